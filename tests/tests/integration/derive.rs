//! `#[derive(Weakrefable)]` on every supported shape of type.

use std::fmt::Debug;
use std::marker::PhantomData;

use weakref_core::Weakrefable;

fn assert_weakrefable<T: ?Sized + weakref_core::Weakrefable>() {}

#[test]
fn named_struct() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    #[allow(dead_code)]
    struct Node {
        name: String,
        children: Vec<Node>,
    }

    assert_weakrefable::<Node>();
}

#[test]
fn tuple_struct() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    #[allow(dead_code)]
    struct Meters(f64, String);

    assert_weakrefable::<Meters>();
}

#[test]
fn unit_struct() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    struct Marker;

    assert_weakrefable::<Marker>();
}

#[test]
fn enum_with_every_variant_shape() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    #[allow(dead_code)]
    enum Shape {
        Empty,
        Circle(f64),
        Rect { width: f64, height: f64 },
    }

    assert_weakrefable::<Shape>();
}

#[test]
fn empty_enum() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    enum Never {}

    assert_weakrefable::<Never>();
}

#[test]
fn generic_struct_with_bounds_and_where_clause() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    #[allow(dead_code)]
    struct Cache<K: Ord, V = String>
    where
        V: Clone + Debug,
    {
        entries: Vec<(K, V)>,
    }

    assert_weakrefable::<Cache<u32>>();
    assert_weakrefable::<Cache<String, Vec<u8>>>();
}

#[test]
fn generic_enum() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    #[allow(dead_code)]
    enum Either<L, R> {
        Left(L),
        Right(R),
    }

    assert_weakrefable::<Either<i32, String>>();
}

#[test]
fn lifetime_and_const_generic() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    #[allow(dead_code)]
    struct Window<'a, T, const N: usize> {
        items: &'a [T; N],
    }

    assert_weakrefable::<Window<'static, u8, 4>>();
    assert_weakrefable::<Window<'_, String, 0>>();
}

#[test]
fn no_bounds_added_to_type_parameters() {
    // `NotWeakrefable` implements nothing, yet the impl exists: the marker puts no bound on `T`.
    struct NotWeakrefable;

    #[derive(Weakrefable)]
    #[weakref(proxy)]
    struct Wrapper<T>(PhantomData<T>);

    assert_weakrefable::<Wrapper<NotWeakrefable>>();
}

#[test]
fn unsized_struct() {
    #[derive(Weakrefable)]
    #[weakref(proxy)]
    #[allow(dead_code)]
    struct Buffer<T: ?Sized> {
        len: usize,
        data: T,
    }

    assert_weakrefable::<Buffer<[u8]>>();
    assert_weakrefable::<Buffer<dyn Debug>>();
}

mod reexport {
    pub use weakref_core as wr;
}

#[test]
fn crate_path_through_a_reexport() {
    #[derive(weakref_core::Weakrefable)]
    #[weakref(proxy, crate = "reexport::wr")]
    #[allow(dead_code)]
    struct Renamed {
        id: u64,
    }

    #[derive(weakref_core::Weakrefable)]
    #[weakref(proxy, crate = "crate::derive::reexport::wr")]
    #[allow(dead_code)]
    enum RenamedGeneric<'a, T: Clone, const N: usize> {
        Borrowed(&'a [T; N]),
        Owned(Vec<T>),
    }

    assert_weakrefable::<Renamed>();
    assert_weakrefable::<RenamedGeneric<'static, u8, 2>>();
    assert_weakrefable::<dyn reexport::wr::Weakrefable>();
}

#[test]
fn crate_path_with_leading_colons() {
    #[derive(Weakrefable)]
    #[weakref(proxy, crate = "::weakref_core")]
    struct Absolute;

    assert_weakrefable::<Absolute>();
}
