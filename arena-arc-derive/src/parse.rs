//! The macros' inputs, read into models: a derived struct with its fields
//! classified, and the two forms of `arena!`.

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, Index, LitInt, Member,
    PathArguments, Token, Type, Visibility,
};

use crate::attributes::{self, Chunk, ChunkSize, FieldAttrs, StructAttrs};
use crate::validation::{self, Errors};

/// What a field holds, as far as the builder cares.
pub enum FieldKind {
    /// Any type: the setter takes a value of it.
    Plain,
    /// `ArcSlice<E, L>`.
    Slice { elem: Type, index: Type },
    /// `ArcSingle<E, L>`.
    Single { elem: Type, index: Type },
    /// `ArcStr<L>`: text in an arena of bytes.
    Str { index: Type },
}

impl FieldKind {
    /// The element type of the arena a handle field's data goes to, and its
    /// index type; `None` for a plain field.
    pub fn arena_elem_and_index(&self) -> Option<(Type, &Type)> {
        match self {
            FieldKind::Plain => None,
            FieldKind::Slice { elem, index } | FieldKind::Single { elem, index } => {
                Some((elem.clone(), index))
            }
            FieldKind::Str { index } => Some((syn::parse_quote!(u8), index)),
        }
    }
}

/// What a field may hold that the type's arena must know of (see
/// [`link_kind`]). Ordered: a type is as linked as its most linked field.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum LinkKind {
    /// Nothing: primitives, `String`, handles to those and to `ArcStr`, and
    /// `Option`/`Box`/`Vec`/arrays of them.
    None,
    /// An `ArcStr` (or an `Option` or array of them): never a link that
    /// stops counting, but reported as a counted one (`Links::counted` in
    /// the runtime), so that a linked type with names may still promise
    /// `DROP_ONLY_LINKS`. A type whose most linked field is `Counted` holds
    /// no link: it is link-free, as with [`LinkKind::None`].
    Counted,
    /// A type the derive cannot see into (another derived type held by
    /// value, say): reported if it turns out to report links.
    Opaque,
    /// A handle to a type that may report links (`ArcSlice<Member>`,
    /// `Option<ArcSingle<Self>>`...). Whether it does is the type checker's
    /// to say: a handle to a derived type with no links of its own
    /// (`ArcSlice<Particle>`) is never reported, and counts (see
    /// `LinkField::MAY_LINK` in the runtime).
    Handle,
}

/// How linked a field's type is, as written. Handles to primitives, text and
/// handles behind references, `Rc`, `Arc` or interior mutability are
/// [`LinkKind::None`]: the last ones must never be reported (see
/// `ArenaLinks`' safety section) and keep counting.
pub fn link_kind(ty: &Type) -> LinkKind {
    match ty {
        Type::Paren(inner) => link_kind(&inner.elem),
        Type::Group(inner) => link_kind(&inner.elem),
        Type::Array(array) => link_kind(&array.elem),
        Type::Slice(slice) => link_kind(&slice.elem),
        Type::Tuple(tuple) => tuple
            .elems
            .iter()
            .map(link_kind)
            .max()
            .unwrap_or(LinkKind::None),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return LinkKind::Opaque;
            };
            let first_arg = || match &last.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                }),
                _ => None,
            };
            match last.ident.to_string().as_str() {
                "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64"
                | "i128" | "isize" | "f32" | "f64" | "bool" | "char" | "str" | "String"
                | "PhantomData" | "Duration" | "Instant" | "NonZeroU32" | "NonZeroU64"
                | "NonZeroUsize" => LinkKind::None,
                "ArcStr" => LinkKind::Counted,
                // Shared owners and interior mutability: never reported.
                "Rc" | "Arc" | "Weak" | "Cell" | "RefCell" | "Mutex" | "RwLock" | "OnceCell"
                | "OnceLock" => LinkKind::None,
                "ArcSlice" | "ArcSingle" | "ArcThin" => match first_arg().map(link_kind) {
                    Some(LinkKind::None | LinkKind::Counted) => LinkKind::None,
                    _ => LinkKind::Handle,
                },
                "Option" | "Box" | "Vec" => first_arg().map_or(LinkKind::Opaque, link_kind),
                _ => LinkKind::Opaque,
            }
        }
        // References (never reported: not owned), function pointers...
        _ => LinkKind::None,
    }
}

/// One field of the derived struct.
pub struct FieldModel {
    /// How the struct names it: `name` or `0`.
    pub member: Member,
    /// The setter's name: the field's name, or `_0`, `_1`... for a tuple
    /// struct.
    pub setter: Ident,
    /// The builder's own name for its slot.
    pub slot: Ident,
    pub ty: Type,
    pub kind: FieldKind,
    pub attrs: FieldAttrs,
    /// The field holds handles to the struct itself in its own arena
    /// (`ArcSlice<Self>`, `ArcSingle<Self>`, `Option` of either): a
    /// self-link.
    pub self_link: bool,
    /// What the field may hold that the struct's `ArenaLinks` impl reports.
    pub link: LinkKind,
}

impl FieldModel {
    /// The field's name as the user reads it: `name` or `0`.
    pub fn display_name(&self) -> String {
        match &self.member {
            Member::Named(ident) => ident.to_string(),
            Member::Unnamed(index) => index.index.to_string(),
        }
    }

    /// A handle field (not an `Option` of one) whose data are values of
    /// the struct itself: without `shared` they go to the struct's own
    /// arena.
    pub fn is_own_handle(&self) -> bool {
        self.self_link && !matches!(self.kind, FieldKind::Plain)
    }
}

/// What every derived type has: its name, visibility and `#[arena(...)]`.
pub struct TypeModel {
    pub ident: Ident,
    pub vis: Visibility,
    pub attrs: StructAttrs,
}

impl TypeModel {
    /// The path of the runtime crate: `crate = ...` or `::arena_arc`.
    pub fn krate(&self) -> TokenStream {
        match &self.attrs.krate {
            Some(path) => quote!(#path),
            None => quote!(::arena_arc),
        }
    }

    /// [`krate`](Self::krate) when it can be named from any module (the
    /// default `::arena_arc`, a `::`-rooted or a `crate::` path); `None` for
    /// a path relative to where the type is declared, which a module
    /// declared beside the type (the builder's markers) may not reach: not
    /// through `super::` when the type is declared inside a function.
    pub fn krate_absolute(&self) -> Option<TokenStream> {
        let Some(path) = &self.attrs.krate else {
            return Some(quote!(::arena_arc));
        };
        let first = path.segments.first().map(|s| s.ident.to_string());
        (path.leading_colon.is_some() || first.as_deref() == Some("crate")).then(|| quote!(#path))
    }

    /// The index type of the type's own handles.
    pub fn index(&self) -> TokenStream {
        match &self.attrs.index {
            Some(index) => quote!(#index),
            None => quote!(u32),
        }
    }
}

/// A struct that `#[derive(ArenaAlloc)]` accepted.
pub struct StructModel {
    pub ty: TypeModel,
    pub fields: Vec<FieldModel>,
    /// Tuple struct (`Foo(A, B)`) or unit struct, rather than named fields.
    pub tuple: bool,
    pub unit: bool,
}

/// One variant of a derived enum: its name, its shape, and its fields that
/// may hold links (by how the variant names them, with how linked each is).
pub struct VariantModel {
    pub ident: Ident,
    pub fields: Fields,
    /// Each field that may hold links: how the variant names it, how linked
    /// it is, and its type (with `Self` written as the enum's name).
    pub links: Vec<(Member, LinkKind, Type)>,
}

/// An enum that `#[derive(ArenaAlloc)]` accepted: a per-type arena, no
/// builder.
pub struct EnumModel {
    pub ty: TypeModel,
    pub variants: Vec<VariantModel>,
    /// A field of some variant holds handles to the enum itself in its own
    /// arena (see [`FieldModel::self_link`]).
    pub self_link: bool,
}

impl EnumModel {
    /// How linked the enum is: its most linked field's kind (see
    /// [`type_link_kind`]).
    pub fn link_kind(&self) -> LinkKind {
        type_link_kind(
            self.variants
                .iter()
                .flat_map(|v| v.links.iter().map(|(_, kind, _)| *kind)),
        )
    }
}

impl StructModel {
    /// How linked the struct is: its most linked field's kind (see
    /// [`type_link_kind`]).
    pub fn link_kind(&self) -> LinkKind {
        type_link_kind(self.fields.iter().map(|f| f.link))
    }
}

/// How linked a type is, from its fields' kinds: the most linked, except
/// that fields that are at most [`LinkKind::Counted`] hold no link, so the
/// type is [`LinkKind::None`] (link-free: a plain arena, nothing reported).
fn type_link_kind(fields: impl Iterator<Item = LinkKind>) -> LinkKind {
    match fields.max() {
        Some(kind) if kind > LinkKind::Counted => kind,
        _ => LinkKind::None,
    }
}

/// What `#[derive(ArenaAlloc)]` derives for.
pub enum DeriveModel {
    Struct(StructModel),
    Enum(EnumModel),
}

/// Reads and checks a derive input. All the errors found are returned
/// together.
pub fn derive_model(input: &DeriveInput) -> syn::Result<DeriveModel> {
    let mut errors = Errors::default();
    let kind = match &input.data {
        Data::Struct(_) => "struct",
        Data::Enum(_) => "enum",
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span,
                format!(
                    "#[derive(ArenaAlloc)] works on structs and enums, not unions; give it an arena with `arena!({}, 1024);` instead",
                    input.ident
                ),
            ));
        }
    };
    validation::no_generics(input, kind, &mut errors);
    let attrs = attributes::struct_attrs(&input.attrs, &mut errors);
    validation::struct_attrs(&attrs, &mut errors);
    let ty = TypeModel {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        attrs,
    };
    let model = match &input.data {
        Data::Struct(data) => DeriveModel::Struct(struct_model(ty, &data.fields, &mut errors)),
        Data::Enum(data) => {
            let self_link = data
                .variants
                .iter()
                .flat_map(|variant| &variant.fields)
                .any(|field| is_self_link(&field.ty, &ty));
            let variants = data
                .variants
                .iter()
                .map(|variant| {
                    validation::no_arena_attrs_in_enum(&variant.attrs, &mut errors);
                    let mut links = Vec::new();
                    for (i, field) in variant.fields.iter().enumerate() {
                        validation::no_arena_attrs_in_enum(&field.attrs, &mut errors);
                        let field_ty = replace_self(&field.ty, &ty.ident);
                        let kind = link_kind(&field_ty);
                        if kind != LinkKind::None {
                            links.push((member(field, i), kind, field_ty));
                        }
                    }
                    VariantModel {
                        ident: variant.ident.clone(),
                        fields: variant.fields.clone(),
                        links,
                    }
                })
                .collect();
            DeriveModel::Enum(EnumModel {
                ty,
                variants,
                self_link,
            })
        }
        Data::Union(_) => unreachable!("rejected above"),
    };
    errors.finish()?;
    Ok(model)
}

/// How a field is named in a place expression or pattern: `name` or `0`.
fn member(field: &syn::Field, i: usize) -> Member {
    match &field.ident {
        Some(ident) => Member::Named(ident.clone()),
        None => Member::Unnamed(Index {
            index: i as u32,
            span: field.ty.span(),
        }),
    }
}

fn struct_model(ty: TypeModel, fields: &Fields, errors: &mut Errors) -> StructModel {
    let tuple = matches!(fields, Fields::Unnamed(_));
    let unit = matches!(fields, Fields::Unit);
    let mut models = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let member = member(field, i);
        let setter = match &field.ident {
            Some(ident) => ident.clone(),
            None => format_ident!("_{}", i, span = field.ty.span()),
        };
        let field_attrs = attributes::field_attrs(&field.attrs, errors);
        // The builder's methods are in `impl FooBuilder`, where `Self` is
        // the builder: the field's type is written with the struct's name.
        let field_ty = replace_self(&field.ty, &ty.ident);
        let kind = match classify(&field_ty) {
            Ok(kind) => kind,
            Err(err) => {
                errors.push(err);
                FieldKind::Plain
            }
        };
        let link = link_kind(&field_ty);
        let model = FieldModel {
            member,
            slot: format_ident!("__field_{}", i),
            setter,
            ty: field_ty,
            kind,
            attrs: field_attrs,
            self_link: is_self_link(&field.ty, &ty),
            link,
        };
        validation::field(&model, errors);
        models.push(model);
    }
    StructModel {
        ty,
        fields: models,
        tuple,
        unit,
    }
}

/// `ty` with every `Self` replaced by `ident` (at the span of `Self`).
fn replace_self(ty: &Type, ident: &Ident) -> Type {
    fn replace(tokens: TokenStream, ident: &Ident) -> TokenStream {
        tokens
            .into_iter()
            .map(|tree| match tree {
                TokenTree::Ident(word) if word == "Self" => {
                    TokenTree::Ident(Ident::new(&ident.to_string(), word.span()))
                }
                TokenTree::Group(group) => {
                    let mut new = Group::new(group.delimiter(), replace(group.stream(), ident));
                    new.set_span(group.span());
                    TokenTree::Group(new)
                }
                other => other,
            })
            .collect()
    }
    syn::parse2(replace(quote!(#ty), ident)).unwrap_or_else(|_| ty.clone())
}

/// Whether a field of type `field` holds handles to the derived type in its
/// own arena: `ArcSlice<E[, L]>` or `ArcSingle<E[, L]>`, or an `Option` of
/// either, where `E` is `Self` or the type's name and `L` is the type's
/// index type (both compared as written). Anything else (an alias, a
/// `Vec`, another index type) is not reported and keeps counting, which is
/// always safe.
fn is_self_link(field: &Type, ty: &TypeModel) -> bool {
    let inner = option_argument(field).unwrap_or(field);
    let (elem, index) = match classify(inner) {
        Ok(FieldKind::Slice { elem, index } | FieldKind::Single { elem, index }) => (elem, index),
        _ => return false,
    };
    let names_self = match &elem {
        Type::Path(path) if path.qself.is_none() && path.path.leading_colon.is_none() => {
            path.path.segments.len() == 1
                && path.path.segments[0].arguments.is_none()
                && (path.path.segments[0].ident == "Self"
                    || path.path.segments[0].ident == ty.ident)
        }
        _ => false,
    };
    names_self && quote!(#index).to_string() == ty.index().to_string()
}

/// `X` if `ty` is `Option<X>` (or `std::option::Option<X>`,
/// `core::option::Option<X>`).
fn option_argument(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let names: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let is_option = matches!(
        names
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["Option"] | ["std" | "core", "option", "Option"]
    );
    if !is_option {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Classifies a field by its type's last path segment: `ArcSlice<..>`,
/// `ArcSingle<..>` and `ArcStr`/`ArcStr<L>` are handle fields.
fn classify(ty: &Type) -> syn::Result<FieldKind> {
    let Type::Path(path) = ty else {
        return Ok(FieldKind::Plain);
    };
    if path.qself.is_some() {
        return Ok(FieldKind::Plain);
    }
    let Some(last) = path.path.segments.last() else {
        return Ok(FieldKind::Plain);
    };
    let name = last.ident.to_string();
    if name == "ArcStr" {
        return classify_str(ty, &last.arguments);
    }
    if name != "ArcSlice" && name != "ArcSingle" {
        return Ok(FieldKind::Plain);
    }
    let wrong = || {
        syn::Error::new_spanned(
            ty,
            format!(
                "`{name}` takes one or two type arguments: write `{name}<E>` (index type u32) or `{name}<E, L>` with L one of u8, u16, u32, u64, u128, usize"
            ),
        )
    };
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Err(wrong());
    };
    let mut types = Vec::new();
    for arg in &args.args {
        match arg {
            GenericArgument::Type(ty) => types.push(ty.clone()),
            _ => return Err(wrong()),
        }
    }
    let (elem, index) = match types.len() {
        1 => (types.remove(0), syn::parse_quote!(u32)),
        2 => {
            let index = types.remove(1);
            (types.remove(0), index)
        }
        _ => return Err(wrong()),
    };
    Ok(if name == "ArcSlice" {
        FieldKind::Slice { elem, index }
    } else {
        FieldKind::Single { elem, index }
    })
}

/// `ArcStr` (index type u32) or `ArcStr<L>`.
fn classify_str(ty: &Type, arguments: &PathArguments) -> syn::Result<FieldKind> {
    let wrong = || {
        syn::Error::new_spanned(
            ty,
            "`ArcStr` takes at most one type argument, its index type: write `ArcStr` (index type u32) or `ArcStr<L>` with L one of u8, u16, u32, u64, u128, usize",
        )
    };
    let index = match arguments {
        PathArguments::None => syn::parse_quote!(u32),
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            GenericArgument::Type(index) => index.clone(),
            _ => return Err(wrong()),
        },
        _ => return Err(wrong()),
    };
    Ok(FieldKind::Str { index })
}

/// `arena!(...)`'s input: an optional `crate = path;` and one of the two
/// forms.
pub struct ArenaInput {
    pub krate: Option<syn::Path>,
    pub form: ArenaForm,
}

/// The two forms of `arena!`.
pub enum ArenaForm {
    /// `arena!(Type, CHUNK[, INDEX]);`
    ForType {
        ty: Type,
        chunk: Chunk,
        index: Option<Type>,
    },
    /// `arena!(#[attrs] vis static NAME: Type, CHUNK[, INDEX]);`
    Static {
        attrs: Vec<Attribute>,
        vis: Visibility,
        static_token: Token![static],
        name: Ident,
        ty: Type,
        chunk: Chunk,
        index: Option<Type>,
    },
}

const ARENA_USAGE: &str = "expected `arena!(Type, CHUNK)`, `arena!(Type, CHUNK, INDEX)` or `arena!(static NAME: Type, CHUNK[, INDEX])`, optionally after `crate = path;`";

impl Parse for ArenaInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(ARENA_USAGE));
        }
        // `crate = path;` first. `crate` followed by `=` cannot begin a
        // type (`crate::Foo` is followed by `::`), so this is unambiguous.
        let mut krate = None;
        if input.peek(Token![crate]) && input.peek2(Token![=]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            krate = Some(input.call(syn::Path::parse_mod_style).map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "`crate = ` takes the path of the arena-arc crate as this crate names it, then `;`: write e.g. `arena!(crate = ::renamed; static NAME: Type, 1024)`",
                )
            })?);
            if !input.peek(Token![;]) {
                return Err(input.error(
                    "expected `;` after `crate = path`: write e.g. `arena!(crate = ::renamed; static NAME: Type, 1024)`",
                ));
            }
            input.parse::<Token![;]>()?;
        }
        let form = input.parse()?;
        Ok(ArenaInput { krate, form })
    }
}

impl Parse for ArenaForm {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(ARENA_USAGE));
        }
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let is_static = input.peek(Token![static]);
        if input.peek(Token![const]) || input.peek(Token![let]) {
            return Err(input.error(
                "an arena is declared with `static`: write `arena!(static NAME: Type, CHUNK)`",
            ));
        }
        if !is_static && (!attrs.is_empty() || !matches!(vis, Visibility::Inherited)) {
            return Err(input.error(
                "attributes and visibility belong to the `static` form: `arena!(pub static NAME: Type, CHUNK)`",
            ));
        }
        let parsed = if is_static {
            let static_token: Token![static] = input.parse()?;
            if input.peek(Token![mut]) {
                return Err(input.error("an arena is never `mut`: remove `mut`"));
            }
            let name: Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            let ty: Type = input.parse()?;
            let (chunk, index) = chunk_and_index(input)?;
            ArenaForm::Static {
                attrs,
                vis,
                static_token,
                name,
                ty,
                chunk,
                index,
            }
        } else {
            let ty: Type = input.parse()?;
            let (chunk, index) = chunk_and_index(input)?;
            ArenaForm::ForType { ty, chunk, index }
        };
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
        }
        if !input.is_empty() {
            return Err(input.error(format!("unexpected tokens: {ARENA_USAGE}")));
        }
        Ok(parsed)
    }
}

/// `, CHUNK[, INDEX][,]`
fn chunk_and_index(input: ParseStream<'_>) -> syn::Result<(Chunk, Option<Type>)> {
    if input.is_empty() {
        return Err(input.error(
            "missing the chunk capacity: write e.g. `arena!(Foo, 1024)` (1024 elements per chunk)",
        ));
    }
    input.parse::<Token![,]>()?;
    let chunk = parse_chunk(input)?;
    let mut index = None;
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if !input.is_empty() && !input.peek(Token![;]) {
            index = Some(input.parse::<Type>()?);
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            }
        }
    }
    Ok((chunk, index))
}

fn parse_chunk(input: ParseStream<'_>) -> syn::Result<Chunk> {
    let expr: syn::Expr = input.parse()?;
    chunk_from_expr(&expr, "`arena!(Foo, 1024)`")
}

/// Reads a chunk capacity: an integer literal, or `thin`. `example` shows
/// the place it was written, for the error message.
pub fn chunk_from_expr(expr: &syn::Expr, example: &str) -> syn::Result<Chunk> {
    let mut expr = expr;
    // A literal passed through a `macro_rules!` fragment (`$n:literal`,
    // `$n:expr`) arrives in an invisible group.
    while let syn::Expr::Group(group) = expr {
        expr = &group.expr;
    }
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        }) => chunk_from_lit(lit),
        syn::Expr::Path(path)
            if path.qself.is_none() && path.attrs.is_empty() && path.path.is_ident("thin") =>
        {
            Ok(Chunk {
                value: ChunkSize::Thin,
                span: path.span(),
            })
        }
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "the chunk capacity must be an integer literal, the number of elements per chunk, or `thin` for chunks that fill the 64 KiB window `ArcThin` handles need: write e.g. {example}"
            ),
        )),
    }
}

/// Checks an integer literal used as a chunk capacity.
pub fn chunk_from_lit(lit: &LitInt) -> syn::Result<Chunk> {
    if !matches!(lit.suffix(), "" | "usize") {
        return Err(syn::Error::new(
            lit.span(),
            "the chunk capacity is a `usize`: drop the suffix, as in `1024`",
        ));
    }
    let value: usize = lit
        .base10_parse()
        .map_err(|_| syn::Error::new(lit.span(), "the chunk capacity does not fit a `usize`"))?;
    if value == 0 {
        return Err(syn::Error::new(
            lit.span(),
            "the chunk capacity must be at least 1: write e.g. `1024`",
        ));
    }
    Ok(Chunk {
        value: ChunkSize::Elements(value),
        span: lit.span(),
    })
}

/// The tokens of a chunk capacity of an arena of `elem` with index type
/// `index`, spanned at the user's literal or `thin` (so that the runtime's
/// compile-time error for a type too large for `thin` points there).
pub fn chunk_tokens(
    chunk: &Chunk,
    krate: &TokenStream,
    elem: &dyn ToTokens,
    index: &dyn ToTokens,
) -> TokenStream {
    match chunk.value {
        ChunkSize::Elements(value) => {
            let mut lit = proc_macro2::Literal::usize_unsuffixed(value);
            lit.set_span(chunk.span);
            quote!(#lit)
        }
        ChunkSize::Thin => quote_spanned! {chunk.span=>
            { #krate::__private::thin_chunk::<#elem, #index>() }
        },
    }
}

/// The item that refuses `chunk = thin` for a type too large for the
/// window, at the user's `thin` (nothing for a number). Separate from
/// [`chunk_tokens`], whose constant is evaluated in several places: the
/// error is reported once.
pub fn chunk_check(chunk: &Chunk, krate: &TokenStream, elem: &dyn ToTokens) -> TokenStream {
    match chunk.value {
        ChunkSize::Elements(_) => TokenStream::new(),
        ChunkSize::Thin => {
            // The call's span runs from the crate path to its end; with the
            // path at the macro's call site, rustc would point there.
            let krate = respan(krate.clone(), chunk.span);
            quote_spanned! {chunk.span=>
                const _: () = #krate::__private::thin_fits::<#elem>();
            }
        }
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use syn::{Type, parse_quote};

    use super::{
        ArenaForm, ArenaInput, ChunkSize, LinkKind, StructAttrs, TypeModel, chunk_from_expr,
        is_self_link, link_kind,
    };

    /// A derived type `Node` with `attrs`.
    fn node(attrs: StructAttrs) -> TypeModel {
        TypeModel {
            ident: parse_quote!(Node),
            vis: syn::Visibility::Inherited,
            attrs,
        }
    }

    /// A qualified-self type is never read as a handle or a primitive by
    /// its last name (found by cargo-mutants: `link_kind`'s guard made
    /// `true` survived): the derive cannot see what it names.
    #[test]
    fn a_qualified_self_type_holds_no_link() {
        assert!(link_kind(&parse_quote!(<X as Y>::ArcSlice<Node>)) == LinkKind::None);
        assert!(link_kind(&parse_quote!(ArcSlice<Node>)) == LinkKind::Handle);
        assert!(link_kind(&parse_quote!(Other)) == LinkKind::Opaque);
    }

    /// A self-link is a handle, or an `Option` of exactly one handle, to
    /// `Self` or the type's own name, with the type's index type (found by
    /// cargo-mutants: `option_argument` made `None`, its one-argument
    /// guard made `true`, and `is_self_link`'s path guard made `true`
    /// survived).
    #[test]
    fn a_self_link_names_the_type_itself() {
        let model = node(StructAttrs::default());
        let self_links: [Type; 5] = [
            parse_quote!(ArcSlice<Node>),
            parse_quote!(ArcSingle<Self, u32>),
            parse_quote!(Option<ArcSingle<Self>>),
            parse_quote!(std::option::Option<ArcSlice<Node>>),
            parse_quote!(core::option::Option<ArcSingle<Node>>),
        ];
        for ty in self_links {
            let shown = quote::ToTokens::to_token_stream(&ty).to_string();
            assert!(is_self_link(&ty, &model), "{shown}");
        }
        let others: [Type; 7] = [
            parse_quote!(ArcSlice<Other>),
            parse_quote!(ArcSlice<::Node>),
            parse_quote!(ArcSlice<<X>::Node>),
            parse_quote!(ArcSlice<Node, u16>),
            parse_quote!(Option<ArcSingle<Self>, u8>),
            parse_quote!(Vec<ArcSingle<Self>>),
            parse_quote!(<X>::Option<ArcSingle<Self>>),
        ];
        for ty in others {
            let shown = quote::ToTokens::to_token_stream(&ty).to_string();
            assert!(!is_self_link(&ty, &model), "{shown}");
        }
        // With `index = u16`, the handles must say so.
        let model = node(StructAttrs {
            index: Some(parse_quote!(u16)),
            ..StructAttrs::default()
        });
        assert!(is_self_link(&parse_quote!(ArcSlice<Node, u16>), &model));
        assert!(!is_self_link(&parse_quote!(ArcSlice<Node>), &model));
    }

    /// The crate path is written from any module when it is absolute
    /// (`::` or `crate::`), and through the builder's own markers otherwise
    /// (found by cargo-mutants: `krate_absolute` made `None`, and its `||`
    /// made `&&`, survived; both ways compile, so only this shows it).
    #[test]
    fn only_an_absolute_crate_path_is_used_from_the_builders_module() {
        let absolute = |krate: Option<syn::Path>| {
            node(StructAttrs {
                krate,
                ..StructAttrs::default()
            })
            .krate_absolute()
            .map(|path| path.to_string())
        };
        assert_eq!(absolute(None).as_deref(), Some(":: arena_arc"));
        assert_eq!(
            absolute(Some(parse_quote!(::renamed))).as_deref(),
            Some(":: renamed")
        );
        assert_eq!(
            absolute(Some(parse_quote!(crate::deps::aa))).as_deref(),
            Some("crate :: deps :: aa")
        );
        assert_eq!(absolute(Some(parse_quote!(self::deps::aa))), None);
        assert_eq!(absolute(Some(parse_quote!(deps::aa))), None);
    }

    /// `arena!`'s type may start with `crate::`: only `crate =` begins the
    /// crate path (found by cargo-mutants: the `&&` of that test made `||`
    /// survived).
    #[test]
    fn arena_takes_a_type_that_starts_with_crate() {
        let input: ArenaInput = syn::parse_str("crate::nodes::Node, 64").unwrap();
        assert!(input.krate.is_none());
        assert!(matches!(input.form, ArenaForm::ForType { .. }));
        let input: ArenaInput =
            syn::parse_str("crate = ::renamed; crate::nodes::Node, 64").unwrap();
        assert!(input.krate.is_some());
    }

    /// Reads `expr` as a chunk capacity: its size, or its error message.
    fn chunk(expr: syn::Expr) -> Result<ChunkSize, String> {
        chunk_from_expr(&expr, "`chunk = 1024`")
            .map(|chunk| chunk.value)
            .map_err(|error| error.to_string())
    }

    /// `thin` is the one word a chunk capacity may be; any other path,
    /// `thin` qualified or with an attribute, and a named constant are
    /// refused with the message that asks for a literal (found by
    /// cargo-mutants: with the guard's tests made `true` or `||`, a
    /// constant or `self::thin` was taken as `thin` and nothing failed).
    #[test]
    fn only_the_bare_word_thin_is_a_thin_chunk() {
        assert!(chunk(syn::parse_quote!(thin)) == Ok(ChunkSize::Thin));
        assert!(chunk(syn::parse_quote!(1024)) == Ok(ChunkSize::Elements(1024)));
        for refused in [
            syn::parse_quote!(CHUNK),
            syn::parse_quote!(Thin),
            syn::parse_quote!(self::thin),
            syn::parse_quote!(<T>::thin),
            syn::parse_quote!(
                #[allow(unused)]
                thin
            ),
        ] {
            let shown = quote::ToTokens::to_token_stream(&refused).to_string();
            let error = chunk(refused).err();
            assert!(
                error
                    .as_deref()
                    .is_some_and(|e| e.starts_with("the chunk capacity must be an integer literal")),
                "`{shown}`: {error:?}"
            );
        }
    }
}
