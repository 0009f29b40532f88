using System.Text.Json;
using ChatBot.Core.Callbacks;
using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.WeCom.Crypto;
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
    private readonly ILogger<WeComAiBotEndpoint> _logger;

    public WeComAiBotEndpoint(IOptions<WeComOptions> options, MessageIntake intake, IOptionsMonitor<IntakeOptions> intakeOptions,
        TimeProvider clock, ILogger<WeComAiBotEndpoint> logger)
    {
        _options = options.Value.AiBot;
        _verifier = new WeComCallbackVerifier(new WeComCallbackCrypto(_options.Token, _options.EncodingAesKey, receiveId: ""),
            clock, options.Value.TimestampTolerance);
        _intake = intake;
        _intakeOptions = intakeOptions;
        _clock = clock;
        _logger = logger;
    }

    public IResult VerifyUrl(HttpContext context) => WeComUrlVerification.Answer(context, _verifier, Channel, _logger);

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

        if (ToInbound(message) is not { } inbound)
        {
            WeComLog.Acknowledged(_logger, Channel, message.MsgType, message.EventType);
            return Results.Ok();
        }

        var outcome = await _intake.AcceptAsync(inbound, context.RequestAborted);
        return outcome == IntakeOutcome.Unavailable ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Ok();
    }

    private InboundMessage? ToInbound(WeComAiBotMessage message)
    {
        if (message.Text is not { } text || string.IsNullOrEmpty(message.UserId) || string.IsNullOrEmpty(message.ResponseUrl))
        {
            return null;
        }

        var group = message.ChatKind == ChatKind.Group;
        var chatId = group && !string.IsNullOrEmpty(message.ChatId) ? message.ChatId : message.UserId;
        return new InboundMessage(
            Platform.WeCom,
            message.AiBotId,
            message.ChatKind,
            chatId,
            message.UserId,
            SenderDepartment: null,
            MentionText.Strip(text, _options.MentionName, group),
            message.MsgId,
            new WeComAiBotRoute(message.ResponseUrl, group ? message.ChatId : null, StreamId: null),
            _clock.GetUtcNow());
    }

    private static string? ReadEncrypt(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("encrypt", out var value)
                && value.ValueKind == JsonValueKind.String
                && value.GetString() is { Length: > 0 } encrypt ? encrypt : null;
        }
        // InvalidOperationException: a JSON string holding invalid UTF-8, found by the fuzz test.
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private IResult Reject(CallbackRejection rejection) => WeComOpened.Refuse(rejection, Channel, _logger);
}
