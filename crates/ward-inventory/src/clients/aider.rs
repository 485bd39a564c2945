//! stub
pub struct Aider;
impl crate::ClientScanner for Aider {
    fn client(&self) -> &'static str {
        "x"
    }
    fn scan(&self, _cx: &crate::ScanContext, _inv: &mut crate::Inventory) {}
}
