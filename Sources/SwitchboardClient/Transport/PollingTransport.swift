import EngineIO
import NIOCore
import NIOHTTP1

/// The HTTP long-polling transport: a loop of GETs that bring packets, and POSTs that carry ours (one in
/// flight at a time, packets queued meanwhile are sent together).
///
/// All state is confined to `eventLoop`: every method must be called on it, and every callback runs on it.
// All mutable state is confined to `eventLoop` (every entry point and callback runs there), so sharing
// the reference across the futures' `@Sendable` closures is safe.
final class PollingTransport: @unchecked Sendable {
    private let eventLoop: EventLoop
    private let endpoint: ClientEndpoint
    private let query: [(name: String, value: String)]
    private let headers: [(name: String, value: String)]
    private let maxPayload: Int
    /// The largest POST body, in bytes: the server's `maxPayload` once known.
    var postLimit = 1_000_000
    /// The session id, once the handshake gave one.
    var sid: String? {
        didSet { flush() }
    }
    private var getInFlight = false
    private var postInFlight = false
    private var paused = false
    private var closed = false
    private var outbox: [EnginePacket] = []
    private var requestCounter = 0
    /// Keep-alive connections: one for the GET loop, one for POSTs, so a held GET never blocks a POST.
    private let getConnection: HTTPClientConnection
    private let postConnection: HTTPClientConnection

    /// Called with the packets of each GET response.
    var onPackets: (([EnginePacket]) -> Void)?
    /// Called once when a request fails: `true` for a decoding error, `false` for a transport error.
    var onFailure: ((_ parseError: Bool) -> Void)?
    /// Called when paused and no request is in flight any more.
    var onPaused: (() -> Void)?

    init(
        eventLoop: EventLoop, endpoint: ClientEndpoint, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], tls: SocketIOClientTLS? = nil, maxPayload: Int = 100_000_000
    ) {
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.query = query
        self.headers = headers
        self.maxPayload = maxPayload
        self.getConnection = HTTPClientConnection(eventLoop: eventLoop, endpoint: endpoint, tls: tls)
        self.postConnection = HTTPClientConnection(eventLoop: eventLoop, endpoint: endpoint, tls: tls)
    }

    /// Starts the GET loop (the first GET is the handshake).
    func start() {
        poll()
    }

    /// Queues packets and POSTs them as soon as no other POST is in flight.
    func write(_ packets: [EnginePacket]) {
        guard !closed else { return }
        outbox.append(contentsOf: packets)
        flush()
    }

    /// Stops starting requests; calls `onPaused` when none is in flight.
    func pause() {
        paused = true
        checkPaused()
    }

    /// Stops everything; in-flight requests finish but their results are dropped.
    func close() {
        closed = true
        getConnection.close()
        // A POST in flight (such as a last `close` packet) finishes first; its completion closes the connection.
        if !postInFlight { postConnection.close() }
        onPackets = nil
        onFailure = nil
        onPaused = nil
    }

    private func nextCacheBuster() -> String {
        requestCounter += 1
        return String(requestCounter, radix: 36)
    }

    private func poll() {
        guard !closed, !paused, !getInFlight else { return }
        getInFlight = true
        let uri = endpoint.requestURI(transport: .polling, sid: sid, query: query, cacheBuster: nextCacheBuster())
        getConnection.request(
            method: .GET, uri: uri, headers: headers, body: nil, maxBodySize: maxPayload
        ).whenComplete { result in
            self.getInFlight = false
            guard !self.closed else { return }
            switch result {
            case .success(let response) where response.status == .ok:
                do {
                    let packets = try PollingPayload.decode(response.body, maxPayload: self.maxPayload)
                    self.onPackets?(packets)
                } catch {
                    self.fail(parseError: true)
                    return
                }
                self.poll()
                self.checkPaused()
            case .success, .failure:
                self.fail(parseError: false)
            }
        }
    }

    private func flush() {
        guard !closed, !postInFlight, !outbox.isEmpty, sid != nil else { return }
        postInFlight = true
        let body = Self.takePayload(from: &outbox, maxPayload: postLimit)
        let uri = endpoint.requestURI(transport: .polling, sid: sid, query: query, cacheBuster: nextCacheBuster())
        postConnection.request(
            method: .POST, uri: uri, headers: headers, body: body, maxBodySize: 1024
        ).whenComplete { result in
            self.postInFlight = false
            guard !self.closed else {
                self.postConnection.close()
                return
            }
            switch result {
            case .success(let response) where response.status == .ok:
                self.flush()
                self.checkPaused()
            case .success, .failure:
                self.fail(parseError: false)
            }
        }
    }

    /// Removes the longest prefix of `packets` whose payload fits in `maxPayload` bytes (at least one
    /// packet, so an oversized one still goes out and the server decides) and returns it encoded.
    static func takePayload(from packets: inout [EnginePacket], maxPayload: Int) -> ByteBuffer {
        var body = ByteBuffer()
        var taken = 0
        for packet in packets {
            var encoded = ByteBuffer()
            packet.encodeForPolling(into: &encoded)
            let separator = taken > 0 ? 1 : 0
            if taken > 0 && body.readableBytes + separator + encoded.readableBytes > maxPayload { break }
            if separator == 1 { body.writeInteger(PollingPayload.separator) }
            body.writeBuffer(&encoded)
            taken += 1
        }
        packets.removeFirst(taken)
        return body
    }

    private func checkPaused() {
        guard paused, !closed, !getInFlight, !postInFlight else { return }
        let callback = onPaused
        onPaused = nil
        callback?()
    }

    private func fail(parseError: Bool) {
        let callback = onFailure
        close()
        callback?(parseError)
    }
}
