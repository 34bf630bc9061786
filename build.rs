//! `sqlx::migrate!` embeds the migrations at compile time: a changed or added migration must rebuild the
//! server, or a test binary would run the previous SQL.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
