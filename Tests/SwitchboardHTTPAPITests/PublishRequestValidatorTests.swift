import NIOCore
import SwitchboardHTTPAPI
import Testing

@Suite("Publish request validator")
struct PublishRequestValidatorTests {
    let validator = PublishRequestValidator(token: "s3cret", maxBodySize: 64)

    private func validate(
        method: String = "POST", authorization: String? = "Bearer s3cret", contentType: String? = "application/json",
        body: String = #"{"event":"news"}"#
    ) -> Result<PublishRequest, PublishAPIError> {
        Result { () throws(PublishAPIError) in
            try validator.validate(
                method: method, authorization: authorization, contentType: contentType, body: ByteBuffer(string: body))
        }
    }

    private func code(_ result: Result<PublishRequest, PublishAPIError>) -> PublishAPIError.Code? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    @Test func aWellFormedRequestIsAccepted() throws {
        #expect(try validate().get() == PublishRequest(event: "news"))
    }

    @Test(arguments: ["Bearer s3cret", "bearer s3cret", "BEARER s3cret"])
    func theBearerSchemeIsCaseInsensitive(header: String) {
        #expect(code(validate(authorization: header)) == nil)
    }

    @Test(arguments: [nil, "", "s3cret", "Bearer", "Bearer ", "Bearer s3cre", "Bearer s3creT", "Bearer s3cret ", "Basic s3cret",
                      "Bearer  s3cret"] as [String?])
    func aMissingOrWrongTokenIsUnauthorized(header: String?) {
        #expect(code(validate(authorization: header)) == .unauthorized)
    }

    @Test func authorizationIsCheckedBeforeTheBody() {
        #expect(code(validate(authorization: "Bearer nope", body: "not json")) == .unauthorized)
    }

    @Test(arguments: ["GET", "PUT", "DELETE"])
    func otherMethodsAreNotAllowed(method: String) {
        #expect(code(validate(method: method)) == .methodNotAllowed)
    }

    @Test(arguments: ["application/json", "application/json; charset=utf-8", "Application/JSON", nil] as [String?])
    func jsonOrAbsentContentTypeIsAccepted(contentType: String?) {
        #expect(code(validate(contentType: contentType)) == nil)
    }

    @Test(arguments: ["text/plain", "application/x-www-form-urlencoded", "application/jsonx"])
    func otherContentTypesAreUnsupported(contentType: String) {
        #expect(code(validate(contentType: contentType)) == .unsupportedMediaType)
    }

    @Test func aBodyAtTheLimitIsAcceptedAndOneByteMoreIsTooLarge() {
        func body(length: Int) -> String {
            let prefix = #"{"event":"news","data":[""#, suffix = #""]}"#
            return prefix + String(repeating: "x", count: length - prefix.utf8.count - suffix.utf8.count) + suffix
        }
        #expect(body(length: 64).utf8.count == 64)
        #expect(code(validate(body: body(length: 64))) == nil)
        #expect(code(validate(body: body(length: 65))) == .payloadTooLarge)
    }

    @Test(arguments: ["", "{", #"{"event":"a"} x"#, "nul"])
    func invalidJSONIsABadRequest(body: String) {
        let result = validate(body: body)
        #expect(code(result) == .badRequest)
        if case .failure(let error) = result { #expect(error.message.hasPrefix("the body is not valid JSON")) }
    }

    @Test func errorsHaveTheirStatusAndAJSONBody() {
        let error = PublishAPIError(.unknownNamespace, #"no namespace "/x""#)
        #expect(error.code.httpStatus == 404)
        #expect(error.jsonBody == #"{"error":"unknown_namespace","message":"no namespace \"/x\""}"#)
        #expect([PublishAPIError.Code.unauthorized, .badRequest, .methodNotAllowed, .payloadTooLarge, .unsupportedMediaType]
            .map(\.httpStatus) == [401, 400, 405, 413, 415])
    }
}
