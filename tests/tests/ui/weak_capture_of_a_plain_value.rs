use weakref_core::weak;

fn main() {
    let count = 3_u32;
    let _closure = weak!(count => || count + 1);
}
