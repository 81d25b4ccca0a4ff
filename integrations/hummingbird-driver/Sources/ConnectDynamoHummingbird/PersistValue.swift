import ConnectDynamo
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A persisted Codable value as an express session, both ways.
enum PersistValue {
    /// The member that holds a value that is not a JSON object.
    static let wrapperKey = "value"

    static func session<Object: Encodable>(_ value: Object, cookie: ExpressCookie) throws -> [UInt8] {
        let encoded = try JSON.parse(Array(JSONEncoder().encode(value)))
        let members: [JSON.Member]
        if let object = encoded.objectValue {
            guard !object.contains(where: { $0.key == ExpressSession.cookieKey }) else {
                throw StoreError(.invalidArgument, "the session key \"cookie\" is reserved for express-session's cookie")
            }
            members = object
        } else {
            members = [JSON.Member(wrapperKey, encoded)]
        }
        return ExpressSession(members: members, cookie: cookie.json).json
    }

    /// The value stored in a session: the session's own members decoded as
    /// `type`, else its `value` member.
    /// - Throws: `PersistError.invalidConversion` when neither decodes.
    static func decode<Object: Decodable>(_ type: Object.Type, from data: [UInt8]) throws -> Object {
        guard let session = try? ExpressSession(json: data) else { throw PersistError.invalidConversion }
        let decoder = JSONDecoder()
        if let object = try? decoder.decode(type, from: Data(JSON.object(session.members).encoded())) {
            return object
        }
        if let wrapped = session[wrapperKey],
           let object = try? decoder.decode(type, from: Data(wrapped.encoded())) {
            return object
        }
        throw PersistError.invalidConversion
    }

    /// A Duration as seconds, with its fraction.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
