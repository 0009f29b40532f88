using System.Text.Json;
using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.WeCom.Callbacks;
using ChatBot.WeCom.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.WeCom.LongConnection;

/// <summary>
/// What the AI bot's long connection does with each frame WeCom pushes (stream-modes.md §2.3): a message goes into
/// <see cref="MessageIntake"/> with its stream recorded as owed, <c>enter_chat</c> gets the welcome, and
/// <c>disconnected_event</c> is told to the connection, which stops. Anything else is ignored.
/// </summary>
internal sealed partial class AiBotFrames(
    IOptionsMonitor<WeComOptions> options,
    IOptionsMonitor<AnswerOptions> answers,
    MessageIntake intake,
    TimeProvider clock,
    ILogger<AiBotFrames> logger)
{
    public enum Outcome
    {
        Handled,

        /// <summary>Another client took the bot's connection.</summary>
        Kicked,
    }

    public async Task<Outcome> HandleAsync(AiBotFrameJson frame, LongConnectionSocket socket, IPendingStreams pending, CancellationToken session)
    {
        var (cmd, reqId, body) = (frame.Cmd, frame.Headers.Value?.ReqId, frame.Body);
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Outcome.Handled;
        }

        // Read straight from the event, not through the message parser: a kick must be seen even if its body lacks a field.
        if (cmd == "aibot_event_callback" && EventOf(body) == "disconnected_event")
        {
            return Outcome.Kicked;
        }

        if (cmd == "aibot_event_callback" && reqId is not null && WeComAiBotMessage.Parse(body.GetRawText()) is { EntersChat: true }
            && answers.CurrentValue.WelcomeText is { Length: > 0 } welcome)
        {
            // Only for enter_chat, on the event's own req_id, within 5 s (stream-modes.md §2.3); not awaited here, so
            // a slow ack does not hold the frames behind it.
            _ = WelcomeAsync(socket, reqId, welcome, session);
            return Outcome.Handled;
        }

        if (cmd != "aibot_msg_callback" || reqId is null || WeComAiBotMessage.Parse(body.GetRawText()) is not { Answerable: true } message)
        {
            return Outcome.Handled;
        }

        var bot = options.CurrentValue.AiBot;
        var inbound = message.ToInbound(message.AiBotId.Length > 0 ? message.AiBotId : bot.BotId, bot.MentionName, viaLongConnection: true, clock.GetUtcNow());
        // Owed before intake decides: a job finishing first still finds its stream registered.
        await pending.AddAsync(new PendingStream(message.AnswerStreamId, reqId, inbound.ChatId, inbound.ChatKind == ChatKind.Group, inbound.ReceivedAt));
        var outcome = await intake.AcceptAsync(inbound, session);
        if (outcome is IntakeOutcome.Duplicate or IntakeOutcome.Unavailable or IntakeOutcome.InProgress)
        {
            // Not this delivery's to answer (a repeat of a message already owed, or not taken in): WeCom gets no ack
            // for callbacks, so nothing else is said.
            LogNotTaken(logger, outcome.ToString());
        }

        return Outcome.Handled;
    }

    private static string? EventOf(JsonElement body)
    {
        try
        {
            return body.Deserialize(AiBotFrameContext.Default.AiBotFrameEvent)?.Event.Value?.Eventtype;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private async Task WelcomeAsync(LongConnectionSocket socket, string reqId, string welcome, CancellationToken cancellationToken)
    {
        try
        {
            var errcode = await socket.CommandAsync("aibot_respond_welcome_msg", reqId, new BotMessage("text", Text: new ContentOnly(welcome)), WeComJson.Default.BotMessage,
                TimeSpan.FromSeconds(5), cancellationToken);
            if (errcode != 0)
            {
                LogWelcomeFailed(logger, $"errcode {errcode}");
            }
        }
        catch (Exception ex) when (ex is TimeoutException or System.Net.WebSockets.WebSocketException or OperationCanceledException)
        {
            LogWelcomeFailed(logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 2304, Level = LogLevel.Information, Message = "WeCom long-connection message not taken in this time: {Outcome}")]
    private static partial void LogNotTaken(ILogger logger, string outcome);

    [LoggerMessage(EventId = 2306, Level = LogLevel.Warning, Message = "WeCom long connection: the welcome for enter_chat was not taken ({Problem})")]
    private static partial void LogWelcomeFailed(ILogger logger, string problem);
}
