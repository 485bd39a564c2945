//! stub
pub struct Kiro;
impl crate::ClientScanner for Kiro {
    fn client(&self) -> &'static str {
        "x"
    }
    fn scan(&self, _cx: &crate::ScanContext, _inv: &mut crate::Inventory) {}
}
