use std::cell::Cell;

use weakref_core::Obj;

fn main() {
    let cell = Obj::new(Cell::new(0_i32));
    std::thread::spawn(move || {
        cell.set(1);
    });
}
