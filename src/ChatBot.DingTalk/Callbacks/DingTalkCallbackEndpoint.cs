using System.Globalization;
using ChatBot.Core.Callbacks;
using ChatBot.Core.Claims;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Replies;
using ChatBot.DingTalk.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.DingTalk.Callbacks;

/// <summary>
/// <c>POST /dingtalk/callback</c>: the app robot's HTTP-mode callback (dingtalk.md §2). Verify the headers,
/// parse, queue, and answer <c>{"msgtype":"empty"}</c> at once; the reply goes out later through §4.
/// </summary>
internal sealed partial class DingTalkCallbackEndpoint(
    IOptions<DingTalkOptions> options,
    MessageIntake intake,
    IClaimStore signatures,
    IOptionsMonitor<IntakeOptions> intakeOptions,
    TimeProvider clock,
    ChatBotMetrics metrics,
    ILogger<DingTalkCallbackEndpoint> logger)
{
    public const string Path = "/dingtalk/callback";
    private const string Empty = """{"msgtype":"empty"}""";
    private readonly DingTalkSignature _signature = new(options.Value.ClientSecret);
    private readonly DingTalkOptions _options = options.Value;

    public async Task<IResult> ReceiveAsync(HttpContext context)
    {
        // DingTalk waits about 3 s: the header binding and intake share Intake:Deadline, counted from here.
        var started = clock.GetTimestamp();
        string? timestamp = context.Request.Headers["timestamp"], sign = context.Request.Headers["sign"];
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(sign))
        {
            return Reject(CallbackRejection.MissingParameter);
        }

        if (!_signature.Verify(sign, timestamp))
        {
            return Reject(CallbackRejection.SignatureMismatch);
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || Math.Abs(clock.GetUtcNow().ToUnixTimeMilliseconds() - ms) > _options.TimestampTolerance.TotalMilliseconds)
        {
            return Reject(CallbackRejection.StaleTimestamp);
        }

        var body = await BoundedBody.ReadAsync(context.Request.Body, context.Request.ContentLength, intakeOptions.CurrentValue.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return Reject(CallbackRejection.BodyTooLarge);
        }

        if (DingTalkMessage.Parse(body) is not { } message)
        {
            return Reject(CallbackRejection.MalformedBody);
        }

        // The body is not signed: what it claims must at least fit this bot.
        if (!string.IsNullOrEmpty(message.RobotCode) && message.RobotCode != _options.EffectiveRobotCode)
        {
            return Reject(CallbackRejection.WrongRecipient);
        }

        if (await BindSignatureAsync(sign, message.MsgId, started, context.RequestAborted) is { } bound)
        {
            return bound;
        }

        if (!message.Answerable)
        {
            LogAcknowledged(logger, message.MsgType);
            return Results.Content(Empty, "application/json");
        }

        var inbound = message.ToInbound(_options.EffectiveRobotCode, _options.MessageFormat == ReplyFormat.Markdown, clock.GetUtcNow());
        var outcome = await intake.AcceptAsync(inbound, context.RequestAborted, started);
        return outcome.AsksForRetry()
            ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable)
            : Results.Content(Empty, "application/json");
    }

    /// <summary>
    /// One header pair serves one message: the first msgId a signature carries is recorded in the shared store (for
    /// twice the tolerance, after which the timestamp check refuses it anyway). The same message again — a
    /// redelivery — passes; another message under the same signature is a replay with a forged body.
    /// </summary>
    /// <returns>The response to send instead of going on, or null to go on.</returns>
    private async Task<IResult?> BindSignatureAsync(string sign, string msgId, long started, CancellationToken cancellationToken)
    {
        var key = "dingtalk-sign:" + sign;
        var owner = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(msgId)))[..32];
        var keep = _options.TimestampTolerance * 2;
        try
        {
            // Inside the deadline: a slow store makes this a 503 DingTalk still reads, not a 200 after it hung up.
            // A binding that lands after the wait holds this pair for this message, as it would have; DingTalk's
            // retry comes with a new pair.
            if (await Within(signatures.TryClaimAsync(key, owner, keep, cancellationToken).AsTask()) == ClaimState.Claimed
                || await Within(signatures.AcceptAsync(key, owner, keep, cancellationToken).AsTask()))
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogBindingUnavailable(logger, ex.GetType().Name);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        return Reject(CallbackRejection.SignatureReplayed);

        Task<T> Within<T>(Task<T> step)
        {
            var left = intakeOptions.CurrentValue.Deadline - clock.GetElapsedTime(started);
            return step.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, clock, cancellationToken);
        }
    }

    private IResult Reject(CallbackRejection rejection)
    {
        LogRejected(logger, rejection.Code(), rejection.StatusCode());
        metrics.Rejected(Platform.DingTalk, DingTalkRoute.Key, rejection.Code());
        return Results.Content(rejection.Body(), "application/json", statusCode: rejection.StatusCode());
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "DingTalk callback rejected: {Code} ({Status})")]
    private static partial void LogRejected(ILogger logger, string code, int status);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "DingTalk signature binding unavailable ({ErrorType}); the platform will retry")]
    private static partial void LogBindingUnavailable(ILogger logger, string errorType);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "DingTalk {MsgType} callback acknowledged, not queued")]
    private static partial void LogAcknowledged(ILogger logger, string msgType);
}
