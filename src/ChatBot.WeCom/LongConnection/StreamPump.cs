using System.Collections.Concurrent;
using ChatBot.WeCom.Streams;
using Microsoft.Extensions.Logging;

namespace ChatBot.WeCom.LongConnection;

/// <summary>
/// On the connection's holder: takes each owed answer from the stream store — written there by whichever instance's
/// worker produced it — and streams it on the socket as the callback mode does: one constant stream id, cumulative
/// content, <c>finish</c> at the end, one unacknowledged frame per req_id. A stream WeCom no longer takes (expired
/// 846608, a req_id from an earlier connection 846605) is delivered whole by <c>aibot_send_msg</c> once finished.
/// </summary>
internal sealed partial class StreamPump(IStreamStore streams, IPendingStreams pending, TimeProvider clock, ILogger logger)
{
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>WeCom takes a reply within 24 h of the message; after that an owed answer is dropped.</summary>
    public static readonly TimeSpan ReplyWindow = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<string, Progress> _progress = new(StringComparer.Ordinal);

    /// <summary>One pass over every owed answer: each stream with something new gets its next frame.</summary>
    public async Task PassAsync(LongConnectionSocket socket, CancellationToken cancellationToken)
    {
        // Streams advance side by side: each waits only for its own acks.
        await Task.WhenAll((await pending.AllAsync()).Select(async owed =>
        {
            var progress = _progress.GetOrAdd(owed.StreamId, _ => new Progress());
            if (progress.Busy)
            {
                return;
            }

            progress.Busy = true;
            try
            {
                await AdvanceAsync(socket, owed, progress, cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or System.Net.WebSockets.WebSocketException or InvalidOperationException)
            {
                // No ack in time, or the socket went: the next pass (maybe on the next connection) sends again, cumulatively.
                LogNoAck(logger, ex.GetType().Name);
            }
            finally
            {
                progress.Busy = false;
            }
        }));
    }

    private async Task AdvanceAsync(LongConnectionSocket socket, PendingStream owed, Progress progress, CancellationToken cancellationToken)
    {
        var state = await streams.GetAsync(owed.StreamId, cancellationToken);
        var age = clock.GetUtcNow() - owed.ReceivedAt;
        // No answer at all after the stream window: nothing was queued for it (a notice already given).
        if (age > ReplyWindow || state is { Delivered: true } || (state is null && age > StreamWindow.Length))
        {
            await ForgetAsync(owed.StreamId);
            return;
        }

        var content = state?.Content ?? "";
        var finish = state?.Finished ?? false;
        if (!progress.Proactive && (content != progress.Sent || (finish && !progress.Finished)))
        {
            var errcode = await socket.CommandAsync("aibot_respond_msg", owed.ReqId,
                new StreamMessage("stream", new StreamPiece(owed.StreamId, finish, content)), WeComJson.Default.StreamMessage, AckTimeout, cancellationToken);
            switch (errcode)
            {
                case 0:
                    progress.Sent = content;
                    progress.Finished = finish;
                    if (finish)
                    {
                        await DeliveredAsync(owed.StreamId, state!, "stream");
                    }

                    return;
                case 846608 or 846605:
                    // Expired, or a req_id this connection does not know (it came before a reconnect or a takeover).
                    LogStreamClosed(logger, errcode);
                    progress.Proactive = true;
                    break;
                default:
                    // 6000 (another frame in flight) and busy codes: the next pass tries again.
                    LogFrameRefused(logger, errcode);
                    return;
            }
        }

        if (progress.Proactive && state is { Finished: true })
        {
            var errcode = await socket.CommandAsync("aibot_send_msg", LongConnectionSocket.NewReqId("aibot_send_msg"),
                new ChatMarkdown(owed.ChatId, owed.Group ? 2 : 1, "markdown", new ContentOnly(state.Content)), WeComJson.Default.ChatMarkdown,
                AckTimeout, cancellationToken);
            if (errcode == 0)
            {
                await DeliveredAsync(owed.StreamId, state, "aibot_send_msg");
            }
            else
            {
                LogFrameRefused(logger, errcode);
            }
        }
    }

    private async Task DeliveredAsync(string streamId, StreamState state, string how)
    {
        await streams.SetAsync(streamId, state with { Delivered = true }, CancellationToken.None);
        await ForgetAsync(streamId);
        LogDelivered(logger, how);
    }

    private async Task ForgetAsync(string streamId)
    {
        await pending.RemoveAsync(streamId);
        _progress.TryRemove(streamId, out _);
    }

    /// <summary>What this holder has sent of one stream; a new holder starts from nothing and resends cumulatively.</summary>
    private sealed class Progress
    {
        public volatile bool Busy;

        public string? Sent { get; set; }

        public bool Finished { get; set; }

        public bool Proactive { get; set; }
    }

    [LoggerMessage(EventId = 2310, Level = LogLevel.Information, Message = "WeCom long connection: an answer was delivered by {How}")]
    private static partial void LogDelivered(ILogger logger, string how);

    [LoggerMessage(EventId = 2311, Level = LogLevel.Information, Message = "WeCom long connection: the stream is closed (errcode {Errcode}); the answer goes by aibot_send_msg once complete")]
    private static partial void LogStreamClosed(ILogger logger, int errcode);

    [LoggerMessage(EventId = 2313, Level = LogLevel.Warning, Message = "WeCom long connection: a reply frame got no answer ({ErrorType}); sent again on the next pass")]
    private static partial void LogNoAck(ILogger logger, string errorType);

    [LoggerMessage(EventId = 2312, Level = LogLevel.Warning, Message = "WeCom long connection: a reply frame was refused (errcode {Errcode}); tried again on the next pass")]
    private static partial void LogFrameRefused(ILogger logger, int errcode);
}
