//! Checks that need the whole input: what the macros cannot accept, each
//! reported at the user's offending token with what to write instead.

use syn::{Attribute, DeriveInput, Type};

use crate::attributes::{Chunk, ChunkSize, StructAttrs};
use crate::parse::{FieldKind, FieldModel};

/// Errors collected while reading the input, reported together.
#[derive(Default)]
pub struct Errors {
    first: Option<syn::Error>,
}

impl Errors {
    pub fn push(&mut self, err: syn::Error) {
        match &mut self.first {
            Some(first) => first.combine(err),
            None => self.first = Some(err),
        }
    }

    pub fn finish(self) -> syn::Result<()> {
        match self.first {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

/// The index types `IndexType` is implemented for.
pub const INDEX_TYPES: &[&str] = &["u8", "u16", "u32", "u64", "u128", "usize"];

/// Generic structs and enums are refused: the arena is a per-thread
/// static, and a static cannot be generic. `kind` is "struct" or "enum".
pub fn no_generics(input: &DeriveInput, kind: &str, errors: &mut Errors) {
    if input.generics.params.is_empty() {
        return;
    }
    let ident = &input.ident;
    errors.push(syn::Error::new_spanned(
        &input.generics,
        format!(
            "#[derive(ArenaAlloc)] does not support generic {kind}s: a type's arena is a per-thread `static`, and Rust statics cannot be generic (one `static` cannot hold an arena per instantiation). \
             Derive it on a concrete {kind} instead, or declare one arena per instantiation you use: `arena!(static {}_ARENA: {}<u32>, 1024);`",
            ident.to_string().to_uppercase(),
            ident
        ),
    ));
}

/// Checks that `ty` is one of the index types, by name.
pub fn index_type(ty: &Type) -> syn::Result<()> {
    let name = match ty {
        Type::Path(path) if path.qself.is_none() => path.path.get_ident().map(ToString::to_string),
        _ => None,
    };
    match name {
        Some(name) if INDEX_TYPES.contains(&name.as_str()) => Ok(()),
        _ => Err(syn::Error::new_spanned(
            ty,
            "not an index type: the index type must be one of u8, u16, u32, u64, u128, usize (it bounds slice lengths; u32 is the default)",
        )),
    }
}

/// Checks that `chunk` elements fit the index type `index`, when `index` is
/// one whose limit matters (`u8`, `u16`).
///
/// `thin` always fits: the runtime clamps it to the index type.
pub fn chunk_fits(chunk: &Chunk, index: Option<&Type>) -> syn::Result<()> {
    let ChunkSize::Elements(value) = chunk.value else {
        return Ok(());
    };
    let Some(Type::Path(path)) = index else {
        return Ok(());
    };
    let max = if path.path.is_ident("u8") {
        256
    } else if path.path.is_ident("u16") {
        65_536
    } else {
        return Ok(());
    };
    if value > max {
        let name = path
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(syn::Error::new(
            chunk.span,
            format!(
                "a chunk of {value} elements does not fit the index type `{name}` (at most {max}): use a smaller chunk or a wider index type such as u32",
            ),
        ));
    }
    Ok(())
}

/// The struct's own `#[arena(...)]`.
pub fn struct_attrs(attrs: &StructAttrs, errors: &mut Errors) {
    if let Some(index) = &attrs.index {
        if let Err(err) = index_type(index) {
            errors.push(err);
            return;
        }
    }
    if let Some(chunk) = &attrs.chunk {
        if let Err(err) = chunk_fits(chunk, attrs.index.as_ref()) {
            errors.push(err);
        }
    }
}

/// `#[arena(...)]` on an enum's variant or on one of its fields: the field
/// attributes configure a builder, and an enum has none.
pub fn no_arena_attrs_in_enum(attrs: &[Attribute], errors: &mut Errors) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("arena")) {
        errors.push(syn::Error::new_spanned(
            attr,
            "`#[arena(...)]` on an enum's variant or field has no effect: field attributes configure the builder, and a derived enum has none (build its values with the variant constructors). Remove it; the enum's own `#[arena(chunk = .., index = .., crate = ..)]` goes above `enum`",
        ));
    }
}

/// A field's `#[arena(...)]` against its kind.
pub fn field(field: &FieldModel, errors: &mut Errors) {
    let attrs = &field.attrs;
    if field.is_own_handle() && attrs.shared.is_none() {
        if let Some(chunk) = &attrs.chunk {
            errors.push(syn::Error::new(
                chunk.span,
                format!(
                    "`{}` holds values of the struct itself, which go to the struct's own arena: size that arena with `#[arena(chunk = {})]` on the struct, and remove `chunk` here",
                    field.display_name(),
                    chunk.value
                ),
            ));
        }
    }
    match &field.kind {
        FieldKind::Plain => {
            if let Some(chunk) = &attrs.chunk {
                errors.push(syn::Error::new(
                    chunk.span,
                    format!(
                        "`chunk` on a field sizes the arena its `ArcSlice`/`ArcSingle`/`ArcStr` data goes to, and `{}` is not a handle field; to size the struct's own arena put `#[arena(chunk = {})]` on the struct",
                        field.display_name(),
                        chunk.value
                    ),
                ));
            }
            if let Some((span, _)) = &attrs.shared {
                errors.push(syn::Error::new(
                    *span,
                    format!(
                        "`shared` applies only to `ArcSlice`/`ArcSingle`/`ArcStr` fields, and `{}` is not one: remove it",
                        field.display_name()
                    ),
                ));
            }
        }
        FieldKind::Slice { index, .. }
        | FieldKind::Single { index, .. }
        | FieldKind::Str { index } => {
            if let Some(span) = attrs.into {
                errors.push(syn::Error::new(
                    span,
                    "`into` applies only to plain fields: a handle field's setter already takes a handle or the data to allocate; remove `into`",
                ));
            }
            if let Some(chunk) = attrs.chunk.as_ref().filter(|c| c.value == ChunkSize::Thin) {
                if !field.is_own_handle() {
                    errors.push(syn::Error::new(
                        chunk.span,
                        format!(
                            "`chunk = thin` sizes a type's own arena for `ArcThin` handles, and `{}`'s arena holds the field's slices: give its capacity in elements, as in `chunk = 1024`, or put `#[arena(chunk = thin)]` on the struct",
                            field.display_name()
                        ),
                    ));
                }
            }
            if let (Some(_), Some((span, _))) = (&attrs.chunk, &attrs.shared) {
                errors.push(syn::Error::new(
                    *span,
                    "`shared` and `chunk` conflict: a shared arena's chunk capacity is set where it is declared; remove `chunk`",
                ));
            }
            if is_primitive(index) {
                // Other names may be aliases of an index type: the type
                // checker judges them.
                if let Err(err) = index_type(index) {
                    errors.push(err);
                }
            }
            if let Some(chunk) = &attrs.chunk {
                if let Err(err) = chunk_fits(chunk, Some(index)) {
                    errors.push(err);
                }
            }
        }
    }
}

/// A primitive type's name (`i32`, `f64`, `bool`...).
fn is_primitive(ty: &Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char", "str",
    ];
    matches!(ty, Type::Path(path) if path.qself.is_none()
        && path.path.get_ident().is_some_and(|i| PRIMITIVES.contains(&i.to_string().as_str())))
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::{index_type, is_primitive};

    /// An index type is one of the six, named bare; a qualified-self path
    /// ending in one is not. (cargo-mutants' `true` for the guard against
    /// a qualified self survives, as an equivalent: syn gives such a path
    /// no bare identifier, as the `<X>::u32` case shows.)
    #[test]
    fn an_index_type_is_one_of_the_six_by_name() {
        for name in ["u8", "u16", "u32", "u64", "u128", "usize"] {
            let ty: syn::Type = syn::parse_str(name).unwrap();
            assert!(index_type(&ty).is_ok(), "{name}");
        }
        assert!(index_type(&parse_quote!(<X>::u32)).is_err());
        assert!(index_type(&parse_quote!(i32)).is_err());
        assert!(index_type(&parse_quote!(Index)).is_err());
    }

    /// A handle field's index type is checked here only when it is a
    /// primitive's name; any other name may be an alias of an index type,
    /// which the type checker judges (found by cargo-mutants: `is_primitive`
    /// made `true` or `false` survived).
    #[test]
    fn only_a_primitives_name_is_checked_as_an_index_type() {
        assert!(is_primitive(&parse_quote!(i32)));
        assert!(is_primitive(&parse_quote!(u16)));
        assert!(!is_primitive(&parse_quote!(MyIndex)));
        assert!(!is_primitive(&parse_quote!(std::primitive::u16)));
        assert!(!is_primitive(&parse_quote!(<X>::u16)));
    }
}
