using System.Net;
using System.Net.WebSockets;
using System.Text;
using ChatBot.Core.Connections;
using ChatBot.Core.Health;
using ChatBot.Core.Observability;
using ChatBot.Core.Pipeline;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Replies;
using ChatBot.DingTalk.Api;
using ChatBot.DingTalk.Callbacks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.DingTalk.LongConnection;

/// <summary>
/// DingTalk's Stream mode: the bot dials out, so no public URL is needed. It keeps one connection open for ever —
/// a fresh ticket for every attempt, jittered exponential backoff capped at a minute and reset after a healthy
/// connection, the next connection opened as soon as the gateway says <c>disconnect</c> — and takes robot messages
/// into the same <see cref="MessageIntake"/> as HTTP callbacks. A redelivery (a new frame id, any instance) meets the
/// message's shared dedupe claim. Replies go out by sessionWebhook or OpenAPI, as in HTTP mode.
/// </summary>
internal sealed partial class DingTalkStreamClient(
    DingTalkApiClient api,
    MessageIntake intake,
    IOptionsMonitor<DingTalkOptions> options,
    IOptionsMonitor<IntakeOptions> intakeOptions,
    TimeProvider clock,
    ChatBotMetrics metrics,
    ILogger<DingTalkStreamClient> logger) : BackgroundService, IHealthCheck
{
    /// <summary>DingTalk's SDKs cap their backoff at a minute (stream-modes.md §1.7).</summary>
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(30);
    private readonly ConnectionStatus _status = new();

    /// <summary>Its name in <c>/readyz</c> and in the <c>chatbot_long_connection_up</c> gauge.</summary>
    public const string CheckName = "dingtalk-stream";

    public (bool Ok, string Detail) Check() => _status.Check();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => HealthTags.Result(Check());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            StreamConnection connection;
            try
            {
                var (endpoint, ticket) = await api.OpenStreamAsync(stoppingToken);
                EnsureAllowed(endpoint);
                connection = await StreamConnection.ConnectAsync(endpoint, ticket, options.CurrentValue.StreamKeepAlive, DecideAsync, logger, stoppingToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
            {
                var delay = ReconnectBackoff.Delay(failures++, MaxBackoff);
                _status.Problem = Describe(ex);
                LogOpenFailed(logger, failures, _status.Problem, delay.TotalSeconds);
                await Task.Delay(delay, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            _status.Connected(clock.GetUtcNow());
            LogConnected(logger, _status.Reconnects);
            var run = connection.RunAsync(stoppingToken);
            var ended = await Task.WhenAny(run, connection.GoingAway);
            _status.Disconnected();
            if (stoppingToken.IsCancellationRequested)
            {
                await connection.DisposeAsync();
                return;
            }

            _status.Reconnecting();
            metrics.Reconnected(CheckName);
            if (ended == connection.GoingAway)
            {
                // Make before break: deliveries to the old socket have stopped; it drains while the next one opens.
                _ = connection.DrainAsync(run, DrainTime);
                failures = 0;
                continue;
            }

            await connection.DisposeAsync();
            failures = connection.FramesReceived > 0 ? 0 : failures;
            var wait = ReconnectBackoff.Delay(failures++, MaxBackoff);
            _status.Problem = "the connection closed";
            LogClosed(logger, wait.TotalSeconds);
            await Task.Delay(wait, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>What the HTTP endpoint does with a body, for a pushed one: true once intake has decided (ack now).</summary>
    private async Task<bool> DecideAsync(string data, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(data);
        if (bytes.Length > intakeOptions.CurrentValue.MaxBodyBytes || DingTalkMessage.Parse(bytes) is not { } message)
        {
            // Nothing a redelivery would fix: acknowledged and dropped.
            var code = bytes.Length > intakeOptions.CurrentValue.MaxBodyBytes ? "body_too_large" : "malformed_body";
            LogRefused(logger, code);
            metrics.Rejected(Core.Messages.Platform.DingTalk, "dingtalk-stream", code);
            return true;
        }

        var settings = options.CurrentValue;
        if (!string.IsNullOrEmpty(message.RobotCode) && message.RobotCode != settings.EffectiveRobotCode)
        {
            LogRefused(logger, "wrong_recipient");
            metrics.Rejected(Core.Messages.Platform.DingTalk, "dingtalk-stream", "wrong_recipient");
            return true;
        }

        if (!message.Answerable)
        {
            return true;
        }

        var outcome = await intake.AcceptAsync(message.ToInbound(settings.EffectiveRobotCode, settings.MessageFormat == ReplyFormat.Markdown, clock.GetUtcNow()), cancellationToken);
        return !outcome.AsksForRetry();
    }

    // wss only, or plain ws to this machine (a loopback gateway in tests and the demo), as for reply URLs.
    private static void EnsureAllowed(Uri endpoint)
    {
        if (endpoint.Scheme != "wss" && !(endpoint.Scheme == "ws" && (endpoint.IsLoopback || IPAddress.TryParse(endpoint.Host, out var ip) && IPAddress.IsLoopback(ip))))
        {
            throw new PlatformApiException("DingTalk", $"gateway endpoint refused: {endpoint.Scheme}:// to {endpoint.Host} (only wss://, or ws:// to loopback)", false);
        }
    }

    // Exception messages can carry the endpoint with its ticket: only codes and types are said.
    private static string Describe(Exception ex) => ex switch
    {
        PlatformApiException { Code: var code } when code.Contains("401", StringComparison.Ordinal) || code.Contains("authFailed", StringComparison.Ordinal)
            => $"{code}: DingTalk refused DingTalk:ClientId / DingTalk:ClientSecret (the app's AppKey and AppSecret); check both",
        PlatformApiException api => api.Code,
        WebSocketException socket => $"WebSocket {socket.WebSocketErrorCode}",
        HttpRequestException http => $"HTTP {http.HttpRequestError}",
        OperationCanceledException => "timed out",
        _ => ex.GetType().Name,
    };

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "DingTalk Stream connected ({Reconnects} reconnects so far)")]
    private static partial void LogConnected(ILogger logger, int reconnects);

    [LoggerMessage(EventId = 3027, Level = LogLevel.Error, Message = "DingTalk Stream: opening a connection failed (attempt {Attempt}): {Problem}; next try in {DelaySeconds:F1} s")]
    private static partial void LogOpenFailed(ILogger logger, int attempt, string problem, double delaySeconds);

    [LoggerMessage(EventId = 3028, Level = LogLevel.Warning, Message = "DingTalk Stream: the connection closed; reconnecting in {DelaySeconds:F1} s")]
    private static partial void LogClosed(ILogger logger, double delaySeconds);

    [LoggerMessage(EventId = 3029, Level = LogLevel.Warning, Message = "DingTalk Stream push refused: {Code}")]
    private static partial void LogRefused(ILogger logger, string code);
}
