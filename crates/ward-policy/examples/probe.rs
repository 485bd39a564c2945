fn main() {
    let dir = std::path::Path::new("/tmp/pc2");
    let t = std::time::Instant::now();
    let _ = ward_policy::Policy::load_cached(None, dir).unwrap();
    eprintln!("total {:?}", t.elapsed());
}
