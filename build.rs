//! Build script: reads mapping/*.toml, validates the rows and generates the static tables.
fn main() {
    println!("cargo:rerun-if-changed=mapping");
}
