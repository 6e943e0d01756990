// Checklist section 2, panicking callbacks (items 17 and 18): reported through the unraisable
// hook, never propagated. Every test here installs a recording hook, which serializes them.

// CPython: an exception in a callback is reported through sys.unraisablehook, `del o` does not
// raise, and the remaining callbacks still run.
#[test]
fn item_17_panicking_callback_is_reported_and_the_others_run() {
    let (_hook, caught) = capture_unraisable();
    let drops = counter();
    let log = new_log();
    let o = wr::Obj::new(Tracked::new(&drops));
    let _oldest = wr::WeakRef::with_callback(&o, tag(&log, "oldest"));
    let panicking = wr::WeakRef::with_callback(&o, |_| panic!("callback failed: 17"));
    let _newest = wr::WeakRef::with_callback(&o, tag(&log, "newest"));

    drop(o); // returns normally
    assert_eq!(entries(&log), ["newest", "oldest"]);
    assert_eq!(count(&drops), 1, "the value is still dropped");

    let caught = reports(&caught);
    assert_eq!(caught.len(), 1);
    assert_eq!(caught[0].what, "weakref callback");
    assert_eq!(caught[0].message.as_deref(), Some("callback failed: 17"));
    assert_eq!(
        caught[0].object,
        format!("{panicking:?}"),
        "the object is the dead ref"
    );
    assert!(caught[0].object.ends_with("; dead>"));
    assert_eq!(caught[0].thread, std::thread::current().id());
    assert!(!caught[0].payload_is_u32);
}

// CPython: every failing callback is reported on its own; formatted messages and payloads
// that are not messages reach the hook too.
#[test]
fn item_17_every_panicking_callback_is_reported() {
    let (_hook, caught) = capture_unraisable();
    let drops = counter();
    let calls = counter();
    let o = wr::Obj::new(Tracked::new(&drops));
    let _a = wr::WeakRef::with_callback(&o, |_| panic!("static message"));
    let _b = wr::WeakRef::with_callback(&o, tally(&calls));
    let number = 17;
    let _c = wr::WeakRef::with_callback(&o, move |_| panic!("formatted {number}"));
    let _d = wr::WeakRef::with_callback(&o, |_| std::panic::panic_any(17_u32));

    drop(o);
    assert_eq!(count(&calls), 1);
    assert_eq!(count(&drops), 1);
    let caught = reports(&caught);
    let messages: Vec<_> = caught.iter().map(|r| r.message.as_deref()).collect();
    assert_eq!(
        messages,
        [None, Some("formatted 17"), Some("static message")],
        "newest first"
    );
    assert!(caught[0].payload_is_u32);
    assert!(caught.iter().all(|r| r.what == "weakref callback"));
}

/// Drops `o` while a panic unwinds through this frame.
fn unwind_holding<T>(o: wr::Obj<T>) {
    let _o = o;
    panic!("outer");
}

// CPython test_callbacks_protected: when the referent dies while an exception propagates, that
// exception is neither cleared nor replaced, even if a callback raises (which is reported).
#[test]
fn item_18_death_during_unwinding() {
    let (_hook, caught) = capture_unraisable();
    let drops = counter();
    let log = new_log();
    let o = wr::Obj::new(Tracked::new(&drops));
    let sink = Arc::clone(&log);
    let _calm = wr::WeakRef::with_callback(&o, move |_| {
        push(
            &sink,
            format!("calm, unwinding={}", std::thread::panicking()),
        );
    });
    let _panicking = wr::WeakRef::with_callback(&o, |_| panic!("inner"));

    let outcome = catch_unwind(AssertUnwindSafe(move || unwind_holding(o)));
    let payload = outcome.expect_err("the outer panic propagates");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"outer"),
        "and is not replaced"
    );
    assert_eq!(entries(&log), ["calm, unwinding=true"]);
    assert_eq!(count(&drops), 1);
    let caught = reports(&caught);
    assert_eq!(caught.len(), 1);
    assert_eq!(caught[0].message.as_deref(), Some("inner"));
}
