//! stub
pub struct AmazonQ;
impl crate::ClientScanner for AmazonQ {
    fn client(&self) -> &'static str {
        "x"
    }
    fn scan(&self, _cx: &crate::ScanContext, _inv: &mut crate::Inventory) {}
}
