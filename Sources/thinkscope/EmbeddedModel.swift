/// The demo model shipped inside ThinkScope, once it is built into the package.
enum EmbeddedModel {
    static var path: String? { nil }
}
