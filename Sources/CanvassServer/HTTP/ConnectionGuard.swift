import CanvassProtocol
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// How long a connection may take, and how it ends when it takes too long.
public struct ConnectionLimits: Sendable, Equatable {
    /// A connection with no request in progress, or a request that sends nothing, is closed after
    /// this long (Hummingbird's idle timeout). A response the client does not read for this long is
    /// abandoned. nil: never.
    public var idleTimeout: Duration?
    /// The longest a request may take to arrive, head and body, counted from its head; then it gets
    /// 408 and the connection closes. nil: no limit.
    public var readTimeout: Duration?
    /// After answering a request whose body was not read to the end, the server stops writing,
    /// drops what still arrives for at most this long (so that the client reads the answer rather
    /// than a reset), then closes.
    public var linger: Duration

    public init(
        idleTimeout: Duration? = .seconds(30), readTimeout: Duration? = .seconds(60), linger: Duration = .seconds(2)
    ) {
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.linger = linger
    }

    /// Limits from whole seconds as an operator gives them: nil keeps the default, 0 means none.
    public init(idleSeconds: Int?, readSeconds: Int?) {
        self.init()
        if let idleSeconds { idleTimeout = idleSeconds == 0 ? nil : .seconds(idleSeconds) }
        if let readSeconds { readTimeout = readSeconds == 0 ? nil : .seconds(readSeconds) }
    }
}

/// Guards one HTTP/1.1 connection below Hummingbird's request handling:
/// - a request whose head and body do not arrive within `readTimeout` gets 408 and is closed;
/// - a response written before its request was read to the end (an early 401, 413, …) carries
///   `Connection: close`, and the connection closes after it, instead of reading a body nobody
///   wants;
/// - a request that is not valid HTTP/1.1 (bad syntax, headers over the limit) gets the protocol's
///   JSON error body instead of NIO's bare 400;
/// - a client that stops reading a response for `idleTimeout` is dropped.
/// Closing is lingering: output is shut first, input drained briefly, then the socket closed.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    /// Request heads and ends read, response heads and ends written: with pipelining several
    /// requests can be read ahead of the one being answered.
    private var headsRead = 0
    private var endsRead = 0
    private var responsesStarted = 0
    private var responsesEnded = 0
    /// Close once the response being written ends.
    private var closeAfterResponse = false
    /// Set once the guard has ended the exchange: nothing more is read or written.
    private var closing = false
    private var readDeadline: Scheduled<Void>?
    private var writeStall: Scheduled<Void>?
    private var lingerTimer: Scheduled<Void>?

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if closing { return }
        switch unwrapInboundIn(data) {
        case .head:
            headsRead += 1
            if let timeout = limits.readTimeout {
                readDeadline?.cancel()
                readDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
                    self.readDeadline = nil
                    self.requestTimedOut(context: context)
                }
            }
        case .body:
            break
        case .end:
            endsRead += 1
            readDeadline?.cancel()
            readDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if closing {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            responsesStarted += 1
            // The request being answered is the oldest unanswered one; was it read to the end?
            if endsRead < responsesStarted {
                closeAfterResponse = true
                head.headerFields[.connection] = "close"
                readDeadline?.cancel()
                readDeadline = nil
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
        case .body:
            break
        case .end:
            responsesEnded += 1
            if closeAfterResponse {
                context.writeAndFlush(data, promise: promise)
                lingeringClose(context: context)
                return
            }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if closing { return }
        guard error is HTTPParserError || error is HTTP1TypeConversionError else {
            return context.fireErrorCaught(error)
        }
        // Between requests (a head that cannot be parsed): answer it here. While a request is
        // being answered, its handler sees the error reading the body and answers.
        guard responsesEnded == headsRead, responsesStarted == responsesEnded else {
            return context.fireErrorCaught(error)
        }
        let message: String
        if case .headerOverflow? = error as? HTTPParserError {
            message = "the request's headers are too large (at most 80 KiB); nothing was applied"
        } else {
            message = "the request is not valid HTTP/1.1 (\(error)); nothing was applied"
        }
        answerAndClose(context: context, ServerError.badRequest(message))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeStall?.cancel()
            writeStall = nil
        } else if writeStall == nil, let timeout = limits.idleTimeout {
            // The client has stopped reading what we send: give it one idle period.
            writeStall = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
                self.writeStall = nil
                self.closing = true
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if closing, case ChannelEvent.inputClosed = event {
            // The client has read our answer and closed its side: done lingering.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        lingerTimer?.cancel()
        lingerTimer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        lingerTimer?.cancel()
        lingerTimer = nil
    }

    // MARK: -

    private func requestTimedOut(context: ChannelHandlerContext) {
        guard !closing, endsRead < headsRead else { return }
        let seconds = limits.readTimeout.map { $0.components.seconds } ?? 0
        let error = ServerError(
            .requestTimeout,
            "the request did not arrive within \(seconds) s; nothing was applied. Try again on a better connection")
        // Answer only when no other response is on the wire; otherwise just close.
        if responsesStarted == responsesEnded, responsesEnded == headsRead - 1 {
            answerAndClose(context: context, error)
        } else {
            closing = true
            context.close(promise: nil)
        }
    }

    /// Writes `error` as a complete response with `Connection: close`, then closes.
    private func answerAndClose(context: ChannelHandlerContext, _ error: ServerError) {
        guard let body = try? WireCodec.encode(error.body) else {
            closing = true
            return context.close(promise: nil)
        }
        var headers = error.responseHeaders
        headers[.contentLength] = String(body.readableBytes)
        headers[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: error.status, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        lingeringClose(context: context)
    }

    /// Stops writing (the client sees the end of the answer), drops whatever still arrives, and
    /// closes when the client closes or after `linger`.
    private func lingeringClose(context: ChannelHandlerContext) {
        closing = true
        cancelTimers()
        lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.linger)) {
            context.close(promise: nil)
        }
        let shut = context.eventLoop.makePromise(of: Void.self)
        shut.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        context.close(mode: .output, promise: shut)
    }

    private func cancelTimers() {
        for timer in [readDeadline, writeStall] { timer?.cancel() }
        readDeadline = nil
        writeStall = nil
    }
}
