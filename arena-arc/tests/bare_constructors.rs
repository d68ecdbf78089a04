//! Constructors called bare, with nothing that fixes the index type `L`:
//! they pick the default `u32`, as `HashMap::new` picks the default hasher,
//! and the generic forms stay reachable for other index types. Each line
//! is code a user wrote that failed with E0283 before.

use arena_arc::{ArcSlice, ArcStr};

#[test]
#[allow(clippy::comparison_to_empty)] // the line, as the user wrote it
fn arc_str_new_and_default_need_no_annotation() {
    let name = ArcStr::new();
    assert!(name.is_empty());
    assert!(ArcStr::default() == "");
    assert_eq!(ArcStr::new(), "");
    assert_eq!(ArcStr::default().len(), 0);
    assert_eq!(format!("{:?}", ArcStr::new()), "\"\"");
}

#[test]
fn arc_slice_default_needs_no_annotation() {
    assert_eq!(ArcSlice::default(), [0u32; 0]);
    assert!(ArcSlice::default() == Vec::<String>::new());
    assert_eq!(ArcSlice::<u8>::default().len(), 0);
}

#[test]
fn other_index_types_keep_the_generic_forms() {
    let short: ArcStr<u16> = ArcStr::empty();
    let also: ArcStr<u8> = Default::default();
    assert_eq!(short, ArcStr::<u16>::default());
    assert_eq!(also, "");

    let slice: ArcSlice<u8, u16> = ArcSlice::new();
    let also: ArcSlice<u8, u8> = Default::default();
    assert_eq!(slice, ArcSlice::<u8, u16>::default());
    assert!(also.is_empty());

    // Generic code reaches them through `empty`, `new` and `Default` (a
    // bare `ArcStr::default()` here would be the `u32` one: E0308).
    fn blank<L: arena_arc::IndexType>() -> [(ArcStr<L>, ArcSlice<char, L>); 3] {
        [
            (ArcStr::empty(), ArcSlice::new()),
            (ArcStr::<L>::default(), ArcSlice::<char, L>::default()),
            (Default::default(), Default::default()),
        ]
    }
    for (text, chars) in blank::<u64>() {
        assert!(text.is_empty() && chars.is_empty());
    }
}

#[test]
fn a_struct_field_of_the_default_index_type_takes_them_bare() {
    #[derive(Default, Debug, PartialEq)]
    struct Token {
        text: ArcStr,
        spans: ArcSlice<u32>,
    }
    let token = Token {
        text: ArcStr::default(),
        spans: ArcSlice::default(),
    };
    assert_eq!(token, Token::default());
    assert_eq!(
        Token {
            text: ArcStr::new(),
            spans: ArcSlice::new()
        },
        token
    );
}
