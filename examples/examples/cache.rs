//! A cache that never keeps its data alive: a `WeakValueDictionary` from file names to decoded
//! images. While some part of the program uses an image, loading it again is a cache hit; once
//! the last user drops it, it is freed and its entry leaves the cache at once.
//!
//! Run with `cargo run -p weakref-examples --example cache`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use weakref_core::{Obj, WeakValueDictionary, Weakrefable};

/// A decoded image: expensive to make, so worth sharing while it is in use.
#[derive(Weakrefable)]
struct Image {
    name: String,
    pixels: Vec<u8>,
}

impl Drop for Image {
    fn drop(&mut self) {
        println!(
            "  (image {:?} freed, {} bytes)",
            self.name,
            self.pixels.len()
        );
    }
}

/// The loader: decodes on a miss, shares on a hit.
struct Loader {
    cache: WeakValueDictionary<String, Image>,
    decodes: AtomicUsize,
}

impl Loader {
    fn load(&self, name: &str) -> Obj<Image> {
        // Atomic: two threads loading the same name at once get the same image.
        self.cache.get_or_insert_with(name.to_string(), || {
            self.decodes.fetch_add(1, Ordering::Relaxed);
            println!("  decoding {name:?}");
            Obj::new(Image {
                name: name.to_string(),
                pixels: vec![0; 1024 * name.len()],
            })
        })
    }
}

fn main() {
    let loader = Arc::new(Loader {
        cache: WeakValueDictionary::new(),
        decodes: AtomicUsize::new(0),
    });

    println!("a window opens the logo and the banner:");
    let logo = loader.load("logo.png");
    let banner = loader.load("banner.png");
    println!("  cache: {} entries", loader.cache.len());

    println!("four threads ask for the logo while the window still shows it:");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let loader = Arc::clone(&loader);
            thread::spawn(move || loader.load("logo.png").pixels.len())
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    println!(
        "  all hits: still {} decode(s) of the logo in total",
        loader.decodes.load(Ordering::Relaxed) - 1
    );

    println!("the window closes the banner:");
    drop(banner);
    println!(
        "  cache: {} entry, banner cached: {}",
        loader.cache.len(),
        loader.cache.contains_key("banner.png")
    );

    println!("the banner is needed again:");
    let banner = loader.load("banner.png");
    println!(
        "  decodes so far: {}",
        loader.decodes.load(Ordering::Relaxed)
    );

    println!("the window closes:");
    drop((logo, banner));
    println!(
        "  cache: {} entries (nothing kept alive)",
        loader.cache.len()
    );
    assert!(loader.cache.is_empty());
}
