//! The macros' inputs, read into models: a derived struct with its fields
//! classified, and the two forms of `arena!`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, Index, LitInt, Member,
    PathArguments, Token, Type, Visibility,
};

use crate::attributes::{self, Chunk, FieldAttrs, StructAttrs};
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
}

impl FieldModel {
    /// The field's name as the user reads it: `name` or `0`.
    pub fn display_name(&self) -> String {
        match &self.member {
            Member::Named(ident) => ident.to_string(),
            Member::Unnamed(index) => index.index.to_string(),
        }
    }
}

/// A struct that `#[derive(ArenaAlloc)]` accepted.
pub struct StructModel {
    pub ident: Ident,
    pub vis: Visibility,
    pub attrs: StructAttrs,
    pub fields: Vec<FieldModel>,
    /// Tuple struct (`Foo(A, B)`) or unit struct, rather than named fields.
    pub tuple: bool,
    pub unit: bool,
}

/// Reads and checks a derive input. All the errors found are returned
/// together.
pub fn struct_model(input: &DeriveInput) -> syn::Result<StructModel> {
    let mut errors = Errors::default();
    let fields = match &input.data {
        Data::Struct(data) => &data.fields,
        Data::Enum(data) => {
            return Err(syn::Error::new(
                data.enum_token.span,
                format!(
                    "#[derive(ArenaAlloc)] works on structs only: an enum has no fields to build; give it an arena with `arena!({}, 1024);` instead",
                    input.ident
                ),
            ));
        }
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span,
                format!(
                    "#[derive(ArenaAlloc)] works on structs only, not unions; give it an arena with `arena!({}, 1024);` instead",
                    input.ident
                ),
            ));
        }
    };
    validation::no_generics(input, &mut errors);
    let attrs = attributes::struct_attrs(&input.attrs, &mut errors);
    validation::struct_attrs(&attrs, &mut errors);

    let tuple = matches!(fields, Fields::Unnamed(_));
    let unit = matches!(fields, Fields::Unit);
    let mut models = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let (member, setter) = match &field.ident {
            Some(ident) => (Member::Named(ident.clone()), ident.clone()),
            None => (
                Member::Unnamed(Index {
                    index: i as u32,
                    span: field.ty.span(),
                }),
                format_ident!("_{}", i, span = field.ty.span()),
            ),
        };
        let field_attrs = attributes::field_attrs(&field.attrs, &mut errors);
        let kind = match classify(&field.ty) {
            Ok(kind) => kind,
            Err(err) => {
                errors.push(err);
                FieldKind::Plain
            }
        };
        let model = FieldModel {
            member,
            slot: format_ident!("__field_{}", i),
            setter,
            ty: field.ty.clone(),
            kind,
            attrs: field_attrs,
        };
        validation::field(&model, &mut errors);
        models.push(model);
    }
    errors.finish()?;
    Ok(StructModel {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        attrs,
        fields: models,
        tuple,
        unit,
    })
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

/// `arena!(...)`'s input.
pub enum ArenaInput {
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

const ARENA_USAGE: &str = "expected `arena!(Type, CHUNK)`, `arena!(Type, CHUNK, INDEX)` or `arena!(static NAME: Type, CHUNK[, INDEX])`";

impl Parse for ArenaInput {
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
            ArenaInput::Static {
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
            ArenaInput::ForType { ty, chunk, index }
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
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(lit),
        ..
    }) = &expr
    else {
        return Err(syn::Error::new_spanned(
            &expr,
            "the chunk capacity must be an integer literal, the number of elements per chunk: write e.g. `arena!(Foo, 1024)`",
        ));
    };
    chunk_from_lit(lit)
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
        value,
        span: lit.span(),
    })
}

/// The tokens of a chunk capacity, spanned at the user's literal.
pub fn chunk_tokens(chunk: &Chunk) -> TokenStream {
    let mut lit = proc_macro2::Literal::usize_unsuffixed(chunk.value);
    lit.set_span(chunk.span);
    quote!(#lit)
}
