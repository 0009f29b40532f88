using System.Globalization;
using System.Text;
using ChatBot.Core.Callbacks;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Replies;
using ChatBot.WeCom.Crypto;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.WeCom.Callbacks;

/// <summary>
/// <c>/wecom/app/callback</c>: a self-built app's XML envelope, receiveid = corpid (wecom.md §1, §3).
/// WeCom re-sends after 5 s without an answer, so this only verifies, parses and queues.
/// </summary>
internal sealed class WeComAppEndpoint
{
    public const string Path = "/wecom/app/callback";
    private const string Channel = "app";
    private readonly WeComCallbackVerifier _verifier;
    private readonly WeComAppOptions _options;
    private readonly MessageIntake _intake;
    private readonly IOptionsMonitor<IntakeOptions> _intakeOptions;
    private readonly TimeProvider _clock;
    private readonly ILogger<WeComAppEndpoint> _logger;
    private readonly ChatBotMetrics _metrics;

    public WeComAppEndpoint(IOptions<WeComOptions> options, MessageIntake intake, IOptionsMonitor<IntakeOptions> intakeOptions,
        TimeProvider clock, ChatBotMetrics metrics, ILogger<WeComAppEndpoint> logger)
    {
        _metrics = metrics;
        _options = options.Value.App;
        _verifier = new WeComCallbackVerifier(new WeComCallbackCrypto(_options.Token, _options.EncodingAesKey, _options.CorpId),
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
            return WeComOpened.Refuse(rejection, Channel, _logger, _metrics);
        }

        using var plaintext = new MemoryStream(Encoding.UTF8.GetBytes(opened.Plaintext!));
        if (WeComXml.ReadFlat(plaintext) is not { } fields || WeComAppMessage.Parse(fields) is not { } message)
        {
            return WeComOpened.Refuse(CallbackRejection.MalformedBody, Channel, _logger, _metrics);
        }

        if ((message.Text is null && message.Media is null) || string.IsNullOrEmpty(message.MsgId))
        {
            WeComLog.Acknowledged(_logger, Channel, message.MsgType, message.Event);
            return Results.Ok();
        }

        var inbound = new InboundMessage(
            Platform.WeCom,
            string.Create(CultureInfo.InvariantCulture, $"{_options.CorpId}:{_options.AgentId}"),
            ChatKind.Direct,
            message.FromUserName,
            message.FromUserName,
            SenderDepartment: null,
            message.Text ?? "",
            message.MsgId,
            new WeComAppRoute(_options.AgentId, message.FromUserName, _options.MessageFormat == ReplyFormat.Markdown),
            _clock.GetUtcNow()) { Media = message.Media };
        var outcome = await _intake.AcceptAsync(inbound, context.RequestAborted);
        return outcome.AsksForRetry() ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Ok();
    }

    private static string? ReadEncrypt(byte[] body)
    {
        using var stream = new MemoryStream(body, writable: false);
        return WeComXml.ReadFlat(stream)?.GetValueOrDefault("Encrypt");
    }
}
