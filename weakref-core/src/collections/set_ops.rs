//! The set algebra of `WeakSet`: methods, operators and comparisons, written once and
//! instantiated per flavor by [`set_ops_api!`].

/// Defines the set algebra of one flavor's `WeakSet` (which must be in scope). The parameters
/// are those of `collections_api!`.
macro_rules! set_ops_api {
    (
        path: $path:literal,
        family: $Family:ty,
        shared: $Shared:ident,
        weak_shared: $WeakShared:path,
        owned: [$($owned:tt)*],
        referent: [$($referent:tt)*],
        hasher: [$($hasher:tt)*],
        threads: $threads:literal,
    ) => {
        impl<T, S, M> WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + Clone + $($hasher)* 'static,
            M: 'static,
        {
            /// The elements of `other`, held strongly for the length of an operation, so that
            /// none of them dies halfway through it.
            fn hold<I>(other: I) -> Vec<Obj<T>>
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                other
                    .into_iter()
                    .map(|element| core::borrow::Borrow::<Obj<T>>::borrow(&element).clone())
                    .collect()
            }

            /// `elements` as a set with this set's hasher and comparison.
            fn set_of(&self, elements: &[Obj<T>]) -> Self {
                let set = self.empty_like();
                for element in elements {
                    set.add(element);
                }
                set
            }

            #[doc = concat!(
                "Adds every element of `other` (Python's `s.update(other)`, `s |= other`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let tags = [Obj::new(Tag(1)), Obj::new(Tag(2))];\n",
                "s.update(&tags);\n",
                "assert_eq!(s.len(), 2);\n",
                "```",
            )]
            pub fn update<I>(&self, other: I)
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                for element in other {
                    self.add(core::borrow::Borrow::<Obj<T>>::borrow(&element));
                }
            }

            #[doc = concat!(
                "A new set of the members of `self` and of `other` (Python's `s.union(other)`, ",
                "`s | other`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a].into_iter().collect();\n",
                "let u = s.union([&b]);\n",
                "assert_eq!(u.len(), 2);\n",
                "assert_eq!(s.len(), 1); // unchanged\n",
                "drop(b);\n",
                "assert_eq!(u.len(), 1); // members are held weakly\n",
                "```",
            )]
            pub fn union<I>(&self, other: I) -> Self
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                let result = self.clone();
                result.update(other);
                result
            }

            #[doc = concat!(
                "A new set of the elements of `other` that are members of `self` (Python's ",
                "`s.intersection(other)`, `s & other`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a, &b].into_iter().collect();\n",
                "let i = s.intersection([&b]);\n",
                "assert!(i.contains(&b) && !i.contains(&a));\n",
                "```",
            )]
            pub fn intersection<I>(&self, other: I) -> Self
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                let result = self.empty_like();
                for element in other {
                    let element = core::borrow::Borrow::<Obj<T>>::borrow(&element);
                    if self.contains(element) {
                        result.add(element);
                    }
                }
                result
            }

            #[doc = concat!(
                "A new set of the members of `self` that are not in `other` (Python's ",
                "`s.difference(other)`, `s - other`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a, &b].into_iter().collect();\n",
                "let d = s.difference([&b]);\n",
                "assert!(d.contains(&a) && !d.contains(&b));\n",
                "```",
            )]
            pub fn difference<I>(&self, other: I) -> Self
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                let result = self.clone();
                result.difference_update(other);
                result
            }

            #[doc = concat!(
                "A new set of the elements in exactly one of `self` and `other` (Python's ",
                "`s.symmetric_difference(other)`, `s ^ other`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b, c) = (Obj::new(Tag(1)), Obj::new(Tag(2)), Obj::new(Tag(3)));\n",
                "let s: WeakSet<Tag> = [&a, &b].into_iter().collect();\n",
                "let x = s.symmetric_difference([&b, &c]);\n",
                "assert!(x.contains(&a) && !x.contains(&b) && x.contains(&c));\n",
                "```",
            )]
            pub fn symmetric_difference<I>(&self, other: I) -> Self
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                let result = self.clone();
                result.symmetric_difference_update(other);
                result
            }

            #[doc = concat!(
                "Removes every element of `other` (Python's `s.difference_update(other)`, ",
                "`s -= other`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a, &b].into_iter().collect();\n",
                "s.difference_update([&a]);\n",
                "assert!(!s.contains(&a) && s.contains(&b));\n",
                "```",
            )]
            pub fn difference_update<I>(&self, other: I)
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                for element in other {
                    self.discard(core::borrow::Borrow::<Obj<T>>::borrow(&element));
                }
            }

            #[doc = concat!(
                "Keeps only the members that are in `other` (Python's ",
                "`s.intersection_update(other)`, `s &= other`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a, &b].into_iter().collect();\n",
                "s.intersection_update([&a]);\n",
                "assert!(s.contains(&a) && !s.contains(&b));\n",
                "```",
            )]
            pub fn intersection_update<I>(&self, other: I)
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                let held = Self::hold(other);
                let keep = self.set_of(&held);
                for member in self.iter() {
                    if !keep.contains(&member) {
                        self.discard(&member);
                    }
                }
            }

            #[doc = concat!(
                "Removes the members that are in `other` and adds the elements of `other` that ",
                "were not members (Python's `s.symmetric_difference_update(other)`, ",
                "`s ^= other`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a].into_iter().collect();\n",
                "s.symmetric_difference_update([&a, &b]);\n",
                "assert!(!s.contains(&a) && s.contains(&b));\n",
                "```",
            )]
            pub fn symmetric_difference_update<I>(&self, other: I)
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                let held = Self::hold(other);
                // Each distinct element of `other` once, as Python's set semantics want.
                let distinct = self.set_of(&held);
                for element in distinct.iter() {
                    if !self.discard(&element) {
                        self.add(&element);
                    }
                }
            }

            #[doc = concat!(
                "Whether every member is in `other` (Python's `s.issubset(other)`, `s <= t`).",
                "\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a].into_iter().collect();\n",
                "assert!(s.is_subset([&a, &b]));\n",
                "assert!(!s.is_subset([&b]));\n",
                "```",
            )]
            pub fn is_subset<I>(&self, other: I) -> bool
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                let held = Self::hold(other);
                let other = self.set_of(&held);
                self.iter().all(|member| other.contains(&member))
            }

            #[doc = concat!(
                "Whether every element of `other` is a member (Python's `s.issuperset(other)`, ",
                "`s >= t`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a, &b].into_iter().collect();\n",
                "assert!(s.is_superset([&a]));\n",
                "```",
            )]
            pub fn is_superset<I>(&self, other: I) -> bool
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                other.into_iter().all(|element| self.contains(core::borrow::Borrow::<Obj<T>>::borrow(&element)))
            }

            #[doc = concat!(
                "Whether no element of `other` is a member (Python's `s.isdisjoint(other)`).",
                "\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "let s: WeakSet<Tag> = [&a].into_iter().collect();\n",
                "assert!(s.is_disjoint([&b]));\n",
                "assert!(!s.is_disjoint([&a]));\n",
                "```",
            )]
            pub fn is_disjoint<I>(&self, other: I) -> bool
            where
                I: IntoIterator,
                I::Item: core::borrow::Borrow<Obj<T>>,
            {
                !other.into_iter().any(|element| self.contains(core::borrow::Borrow::<Obj<T>>::borrow(&element)))
            }
        }

        impl<T, S, M> PartialEq for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            /// Whether both have the same live members (Python's `s == t`), from a snapshot
            /// of each.
            fn eq(&self, other: &Self) -> bool {
                if self.same_set(other) {
                    return true;
                }
                let mine: Vec<Obj<T>> = self.iter().collect();
                let theirs: Vec<Obj<T>> = other.iter().collect();
                mine.len() == theirs.len() && mine.iter().all(|member| other.contains(member))
            }
        }

        impl<T, S, M> PartialOrd for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            /// Set inclusion, as Python's comparisons of sets: `Less` for a proper subset,
            /// `Greater` for a proper superset, `Equal` for the same members, `None` when
            /// neither contains the other. So `s < t` is a proper-subset test.
            fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
                if self.same_set(other) {
                    return Some(core::cmp::Ordering::Equal);
                }
                let mine: Vec<Obj<T>> = self.iter().collect();
                let theirs: Vec<Obj<T>> = other.iter().collect();
                let subset = mine.iter().all(|member| other.contains(member));
                let superset = theirs.iter().all(|member| self.contains(member));
                match (subset, superset) {
                    (true, true) => Some(core::cmp::Ordering::Equal),
                    (true, false) => Some(core::cmp::Ordering::Less),
                    (false, true) => Some(core::cmp::Ordering::Greater),
                    (false, false) => None,
                }
            }
        }

        $crate::collections::set_ops::set_operator! {
            [$($referent)*] [$($hasher)*]
            BitOr bitor union, BitOrAssign bitor_assign update,
            "Python's `s | other`: [`WeakSet::union`]."
        }
        $crate::collections::set_ops::set_operator! {
            [$($referent)*] [$($hasher)*]
            BitAnd bitand intersection, BitAndAssign bitand_assign intersection_update,
            "Python's `s & other`: [`WeakSet::intersection`]."
        }
        $crate::collections::set_ops::set_operator! {
            [$($referent)*] [$($hasher)*]
            Sub sub difference, SubAssign sub_assign difference_update,
            "Python's `s - other`: [`WeakSet::difference`]."
        }
        $crate::collections::set_ops::set_operator! {
            [$($referent)*] [$($hasher)*]
            BitXor bitxor symmetric_difference,
            BitXorAssign bitxor_assign symmetric_difference_update,
            "Python's `s ^ other`: [`WeakSet::symmetric_difference`]."
        }
    };
}

/// One set operator and its assigning form, each delegating to the named method.
macro_rules! set_operator {
    (
        [$($referent:tt)*] [$($hasher:tt)*]
        $Op:ident $op:ident $method:ident,
        $OpAssign:ident $op_assign:ident $assign_method:ident,
        $doc:literal
    ) => {
        impl<T, S, M, I> core::ops::$Op<I> for &WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + Clone + $($hasher)* 'static,
            M: 'static,
            I: IntoIterator,
            I::Item: core::borrow::Borrow<Obj<T>>,
        {
            type Output = WeakSet<T, S, M>;

            #[doc = $doc]
            fn $op(self, other: I) -> WeakSet<T, S, M> {
                self.$method(other)
            }
        }

        impl<T, S, M, I> core::ops::$OpAssign<I> for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + Clone + $($hasher)* 'static,
            M: 'static,
            I: IntoIterator,
            I::Item: core::borrow::Borrow<Obj<T>>,
        {
            /// The in-place form: see the operator's method.
            fn $op_assign(&mut self, other: I) {
                self.$assign_method(other);
            }
        }
    };
}

pub(crate) use {set_operator, set_ops_api};
