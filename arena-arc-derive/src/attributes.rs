//! `#[arena(...)]` attributes: what keys exist where, and how their values
//! are read. Every mistake becomes a `syn::Error` at the user's token.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, LitStr, Path, Token, Type};

use crate::validation::Errors;

/// The keys `#[arena(...)]` accepts on the derived type.
pub const STRUCT_KEYS: &[&str] = &["chunk", "index", "crate"];
/// The keys `#[arena(...)]` accepts on a field.
pub const FIELD_KEYS: &[&str] = &["chunk", "shared", "into", "default"];

/// A chunk capacity read from `chunk = N` or `chunk = thin`.
#[derive(Clone)]
pub struct Chunk {
    pub value: ChunkSize,
    /// The user's literal or `thin`.
    pub span: Span,
}

/// What a chunk capacity says.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ChunkSize {
    /// `N` elements per chunk.
    Elements(usize),
    /// `thin`: as many elements as fill a 64 KiB window, the chunks that
    /// `ArcThin` handles need (`arena_arc::thin_capacity`, clamped to the
    /// index type), worked out by the runtime for the concrete type.
    Thin,
}

impl core::fmt::Display for ChunkSize {
    /// As the user writes it, for the messages that quote it back.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ChunkSize::Elements(n) => write!(f, "{n}"),
            ChunkSize::Thin => f.write_str("thin"),
        }
    }
}

/// `#[arena(...)]` on the derived struct or enum.
#[derive(Default)]
pub struct StructAttrs {
    pub chunk: Option<Chunk>,
    pub index: Option<Type>,
    /// `crate = path`: where the runtime crate is, for crates that rename
    /// the dependency.
    pub krate: Option<Path>,
}

/// How a field becomes optional.
pub enum DefaultValue {
    /// `#[arena(default)]`: `Default::default()`.
    Trait,
    /// `#[arena(default = EXPR)]`.
    Expr(Box<Expr>),
}

/// `#[arena(...)]` on a field.
#[derive(Default)]
pub struct FieldAttrs {
    pub chunk: Option<Chunk>,
    pub shared: Option<(Span, Box<Expr>)>,
    pub into: Option<Span>,
    pub default: Option<(Span, DefaultValue)>,
}

/// Reads every `#[arena(...)]` among `attrs` of the derived type.
pub fn struct_attrs(attrs: &[Attribute], errors: &mut Errors) -> StructAttrs {
    let mut out = StructAttrs::default();
    for_each_key(attrs, errors, |meta| {
        if meta.path.is_ident("chunk") {
            let chunk = chunk_value(&meta)?;
            set_once(&mut out.chunk, chunk, &meta, "chunk")
        } else if meta.path.is_ident("index") {
            let ty: Type = meta.value()?.parse()?;
            set_once(&mut out.index, ty, &meta, "index")
        } else if meta.path.is_ident("crate") {
            let path = crate_path(&meta)?;
            set_once(&mut out.krate, path, &meta, "crate")
        } else if is_one_of(&meta, FIELD_KEYS) {
            Err(meta.error(format!(
                "`{}` is a field attribute: put `#[arena({})]` on a field; on the type write `#[arena(chunk = 1024)]`, `#[arena(index = u16)]` or `#[arena(crate = path)]`",
                key_name(&meta),
                key_name(&meta),
            )))
        } else {
            Err(unknown_key(&meta, STRUCT_KEYS, "on a struct"))
        }
    });
    out
}

/// Reads every `#[arena(...)]` among `attrs` of a field.
pub fn field_attrs(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for_each_key(attrs, errors, |meta| {
        if meta.path.is_ident("chunk") {
            let chunk = chunk_value(&meta)?;
            set_once(&mut out.chunk, chunk, &meta, "chunk")
        } else if meta.path.is_ident("shared") {
            let expr: Expr = meta.value()?.parse()?;
            set_once(
                &mut out.shared,
                (meta.path.span(), Box::new(expr)),
                &meta,
                "shared",
            )
        } else if meta.path.is_ident("into") {
            if meta.input.peek(Token![=]) {
                return Err(meta.error("`into` takes no value: write `#[arena(into)]`"));
            }
            set_once(&mut out.into, meta.path.span(), &meta, "into")
        } else if meta.path.is_ident("default") {
            let value = if meta.input.peek(Token![=]) {
                DefaultValue::Expr(Box::new(meta.value()?.parse()?))
            } else {
                DefaultValue::Trait
            };
            set_once(
                &mut out.default,
                (meta.path.span(), value),
                &meta,
                "default",
            )
        } else if meta.path.is_ident("index") {
            Err(meta.error(
                "`index` is a struct attribute: a handle field's index type is its second type argument, as in `ArcSlice<E, u16>`",
            ))
        } else if meta.path.is_ident("crate") {
            Err(meta.error(
                "`crate` is a struct attribute: put `#[arena(crate = path)]` on the struct, for all of its generated code",
            ))
        } else {
            Err(unknown_key(&meta, FIELD_KEYS, "on a field"))
        }
    });
    out
}

/// Calls `f` on every key of every `#[arena(...)]` among `attrs`; each error
/// `f` returns is kept in `errors` and ends that attribute, not the others.
fn for_each_key(
    attrs: &[Attribute],
    errors: &mut Errors,
    mut f: impl FnMut(ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("arena")) {
        if let Err(err) = attr.parse_nested_meta(&mut f) {
            errors.push(err);
        }
    }
}

fn key_name(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| "?".to_string())
}

fn is_one_of(meta: &ParseNestedMeta<'_>, keys: &[&str]) -> bool {
    keys.iter().any(|k| meta.path.is_ident(k))
}

/// Stores `value` in `slot`, or fails if the key was already given.
fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    meta: &ParseNestedMeta<'_>,
    key: &str,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("duplicate `{key}` attribute: give `{key}` once")));
    }
    *slot = Some(value);
    Ok(())
}

const CRATE_USAGE: &str = "`crate` takes the path of the arena-arc crate as this crate names it: write e.g. `#[arena(crate = ::renamed_arena_arc)]` or `#[arena(crate = self::reexports::arena_arc)]`";

/// Reads `= path`, or `= "path"` as serde spells it.
fn crate_path(meta: &ParseNestedMeta<'_>) -> syn::Result<Path> {
    let value = meta.value().map_err(|_| meta.error(CRATE_USAGE))?;
    if value.peek(LitStr) {
        let lit: LitStr = value.parse()?;
        return lit
            .parse_with(Path::parse_mod_style)
            .map_err(|_| syn::Error::new(lit.span(), CRATE_USAGE));
    }
    let expr: Expr = value.parse()?;
    match expr {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            if path.path.segments.iter().any(|s| !s.arguments.is_none()) {
                return Err(syn::Error::new_spanned(&path, CRATE_USAGE));
            }
            Ok(path.path)
        }
        other => Err(syn::Error::new_spanned(other, CRATE_USAGE)),
    }
}

/// Reads `= N` with `N` a positive integer literal, or `= thin`.
fn chunk_value(meta: &ParseNestedMeta<'_>) -> syn::Result<Chunk> {
    let expr: Expr = meta.value()?.parse()?;
    crate::parse::chunk_from_expr(&expr, "`chunk = 1024`")
}

/// The error for a key that is not in `keys`, with a suggestion if one is
/// close.
fn unknown_key(meta: &ParseNestedMeta<'_>, keys: &[&str], place: &str) -> syn::Error {
    let name = key_name(meta);
    let expected = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestion = keys
        .iter()
        .map(|k| (distance(&name, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    meta.error(format!(
        "unknown `arena` attribute `{name}`: {suggestion}{place} the keys are {expected}"
    ))
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{distance, struct_attrs};
    use crate::validation::Errors;

    /// The error `struct_attrs` reports for `attr`, if any.
    fn struct_error(attr: syn::Attribute) -> Option<String> {
        let mut errors = Errors::default();
        struct_attrs(&[attr], &mut errors);
        errors.finish().err().map(|error| error.to_string())
    }

    /// `crate = ...` takes a plain path, or one in a string as serde spells
    /// it, and refuses a qualified-self path and one with an attribute
    /// (found by cargo-mutants: with `crate_path`'s guard made `true` or
    /// its `&&` made `||`, `<X as Y>::z` was taken as the path `z`).
    #[test]
    fn crate_takes_a_plain_path() {
        assert_eq!(
            struct_error(syn::parse_quote!(#[arena(crate = ::renamed)])),
            None
        );
        assert_eq!(
            struct_error(syn::parse_quote!(#[arena(crate = self::reexports::arena_arc)])),
            None
        );
        assert_eq!(
            struct_error(syn::parse_quote!(#[arena(crate = "::renamed")])),
            None
        );
        let refused: [syn::Attribute; 3] = [
            syn::parse_quote!(#[arena(crate = <X as Y>::z)]),
            syn::parse_quote!(#[arena(crate = #[cfg(all())] a::b)]),
            syn::parse_quote!(#[arena(crate = a::b::<T>)]),
        ];
        for attr in refused {
            let shown = quote::ToTokens::to_token_stream(&attr).to_string();
            let error = struct_error(attr);
            assert!(
                error
                    .as_deref()
                    .is_some_and(|e| e.starts_with("`crate` takes the path of the arena-arc crate")),
                "`{shown}`: {error:?}"
            );
        }
    }

    /// The edit distance behind "did you mean" (found by cargo-mutants:
    /// the first column's `i + 1` as `i * 1` survived, which makes a leading
    /// extra character free).
    #[test]
    fn distance_is_the_levenshtein_distance() {
        assert_eq!(distance("chunk", "chunk"), 0);
        assert_eq!(distance("xchunk", "chunk"), 1);
        assert_eq!(distance("chnk", "chunk"), 1);
        assert_eq!(distance("chunks", "chunk"), 1);
        assert_eq!(distance("index", "chunk"), 5);
        assert_eq!(distance("", "into"), 4);
        assert_eq!(distance("ab", ""), 2);
    }
}
