using System.Globalization;
using System.Text.Json;
using ChatBot.Core.Callbacks;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Pipeline;
using ChatBot.WeCom.Crypto;
using ChatBot.WeCom.Streams;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.WeCom.Callbacks;

/// <summary>
/// <c>/wecom/aibot/callback</c>: the AI bot's JSON envelope <c>{"encrypt":"…"}</c>, receiveid "" (wecom.md §1–2).
/// Verify, decrypt, parse, hand to intake, answer at once; the answer itself goes out later.
/// </summary>
internal sealed class WeComAiBotEndpoint
{
    public const string Path = "/wecom/aibot/callback";
    private const string Channel = "aibot";
    private readonly WeComCallbackVerifier _verifier;
    private readonly WeComAiBotOptions _options;
    private readonly MessageIntake _intake;
    private readonly IOptionsMonitor<IntakeOptions> _intakeOptions;
    private readonly TimeProvider _clock;
    private readonly IStreamStore _streams;
    private readonly ILogger<WeComAiBotEndpoint> _logger;
    private readonly ChatBotMetrics _metrics;
    private readonly IOptionsMonitor<AnswerOptions> _answers;

    public WeComAiBotEndpoint(IOptions<WeComOptions> options, MessageIntake intake, IOptionsMonitor<IntakeOptions> intakeOptions,
        IOptionsMonitor<AnswerOptions> answers, TimeProvider clock, IStreamStore streams, ChatBotMetrics metrics, ILogger<WeComAiBotEndpoint> logger)
    {
        _answers = answers;
        _metrics = metrics;
        _streams = streams;
        _options = options.Value.AiBot;
        _verifier = new WeComCallbackVerifier(new WeComCallbackCrypto(_options.Token, _options.EncodingAesKey, receiveId: ""),
            clock, options.Value.TimestampTolerance);
        _intake = intake;
        _intakeOptions = intakeOptions;
        _clock = clock;
        _logger = logger;
    }

    public IResult VerifyUrl(HttpContext context) => WeComUrlVerification.Answer(context, _verifier, Channel, _logger, _metrics);

    public async Task<IResult> ReceiveAsync(HttpContext context)
    {
        var opened = await _verifier.OpenPostAsync(context.Request, _intakeOptions.CurrentValue.MaxBodyBytes, ReadEncrypt);
        if (opened.Rejection is { } rejection)
        {
            return Reject(rejection);
        }

        if (WeComAiBotMessage.Parse(opened.Plaintext!) is not { } message)
        {
            return Reject(CallbackRejection.MalformedBody);
        }

        var nonce = opened.Nonce;
        if (message.MsgType == "stream" && message.StreamId is { Length: > 0 } refreshed)
        {
            return await RefreshAsync(refreshed, nonce, context.RequestAborted);
        }

        if (message.EntersChat && _answers.CurrentValue.WelcomeText is { Length: > 0 } welcome)
        {
            // The only reply enter_chat takes is the passive one, text, inside the callback's 5 s (wecom.md §2).
            WeComLog.Acknowledged(_logger, Channel, message.MsgType, message.EventType);
            return EncryptedReply(JsonSerializer.Serialize(new BotMessage("text", Text: new ContentOnly(welcome)), WeComJson.Relaxed.BotMessage), nonce);
        }

        if (ToInbound(message) is not { } inbound)
        {
            WeComLog.Acknowledged(_logger, Channel, message.MsgType, message.EventType);
            return Results.Ok();
        }

        var outcome = await _intake.AcceptAsync(inbound, context.RequestAborted);
        if (outcome.AsksForRetry())
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        // The first passive reply opens the stream; WeCom then polls it with refresh callbacks (wecom.md §2).
        // A redelivered callback gets the same stream id, so it answers the same way.
        return StreamReply(message.AnswerStreamId, "", finish: false, nonce);
    }

    /// <summary>A refresh callback: the answer so far, cumulative, and <c>finish</c> once it is complete.</summary>
    private async Task<IResult> RefreshAsync(string streamId, string nonce, CancellationToken cancellationToken)
    {
        var state = await _streams.GetAsync(streamId, cancellationToken);
        if (state is { Finished: true })
        {
            await _streams.SetAsync(streamId, state with { Delivered = true }, cancellationToken);
        }

        return StreamReply(streamId, state?.Content ?? "", state?.Finished ?? false, nonce);
    }

    private IResult StreamReply(string streamId, string content, bool finish, string nonce) =>
        EncryptedReply(JsonSerializer.Serialize(new StreamMessage("stream", new StreamPiece(streamId, finish, content)), WeComJson.Relaxed.StreamMessage), nonce);

    private IResult EncryptedReply(string plaintext, string nonce)
    {
        var encrypt = _verifier.Crypto.Encrypt(plaintext);
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        var signature = _verifier.Crypto.Sign(timestamp.ToString(CultureInfo.InvariantCulture), nonce, encrypt);
        // As the official AI-bot demo sends it: JSON as text/plain, timestamp in seconds, the callback's nonce.
        return Results.Text(JsonSerializer.Serialize(new EncryptedEnvelope(encrypt, signature, timestamp, nonce), WeComJson.Relaxed.EncryptedEnvelope), "text/plain");
    }

    // A callback needs its response_url: it is the fallback when no refresh picks the stream up.
    private InboundMessage? ToInbound(WeComAiBotMessage message) =>
        message is { Answerable: true, ResponseUrl.Length: > 0 }
            ? message.ToInbound(message.AiBotId, _options.MentionName, viaLongConnection: false, _clock.GetUtcNow())
            : null;

    private static string? ReadEncrypt(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
            return JsonSerializer.Deserialize(ref reader, AiBotCallbackContext.Default.EncryptedCallbackJson)?.Encrypt is { Length: > 0 } encrypt ? encrypt : null;
        }
        // InvalidOperationException: a JSON string holding invalid UTF-8, found by the fuzz test.
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private IResult Reject(CallbackRejection rejection) => WeComOpened.Refuse(rejection, Channel, _logger, _metrics);
}
