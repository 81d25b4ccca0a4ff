import CZlib

/// CRC-32 (IEEE), for DynamoDB's x-amz-crc32 response header: zlib's,
/// which folds several bytes a step (a byte-at-a-time table costs about
/// five times as many instructions on every answer).
enum CRC32 {
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer -> UInt32 in
            var crc = crc32(0, nil, 0)
            var rest = UnsafeBufferPointer(rebasing: buffer[...])
            // zlib takes a 32-bit length: a huge body goes in pieces.
            while !rest.isEmpty {
                let piece = min(rest.count, Int(UInt32.max))
                crc = crc32(crc, rest.baseAddress, uInt(piece))
                rest = UnsafeBufferPointer(rebasing: rest[piece...])
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
