fn main() {
    let _ns = fluxdsl::namespace!("kube.system");
}
