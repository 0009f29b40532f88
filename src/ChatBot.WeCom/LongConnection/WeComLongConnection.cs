using System.Security.Cryptography;
using System.Text.Json;
using ChatBot.Core.Connections;
using ChatBot.Core.Health;
using ChatBot.Core.Observability;
using ChatBot.WeCom.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.WeCom.LongConnection;

/// <summary>
/// The AI bot's long connection (stream-modes.md §2): no public URL. The instance holding the lease connects,
/// subscribes, sends a heartbeat and hands each frame to <see cref="AiBotFrames"/>; its <see cref="StreamPump"/>
/// streams each answer back on the callback's req_id, wherever a worker produced it. Reconnects for ever with
/// capped, jittered backoff — except after <c>disconnected_event</c>: another client took the bot, and fighting
/// for it would have both kick each other, so it stays down and says so.
/// </summary>
internal sealed partial class WeComLongConnection(
    IOptionsMonitor<WeComOptions> options,
    AiBotFrames frames,
    IStreamStore streams,
    IServiceProvider services,
    TimeProvider clock,
    ChatBotMetrics metrics,
    ILogger<WeComLongConnection> logger) : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan PumpInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan StandbyInterval = TimeSpan.FromSeconds(2);
    /// <summary>WeCom's SDK caps its backoff at 30 s (stream-modes.md §2.5).</summary>
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly ConnectionStatus _status = new();
    private volatile bool _standby;
    private volatile bool _taken;

    /// <summary>Its name in <c>/readyz</c> and in the <c>chatbot_long_connection_up</c> gauge.</summary>
    public const string CheckName = "wecom-aibot-long-connection";

    /// <summary>Up, or on standby while another instance holds the bot's one connection.</summary>
    public (bool Ok, string Detail) Check() =>
        !_status.IsConnected && _standby ? (true, "standby: another instance holds the bot's one connection") : _status.Check();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => HealthTags.Result(Check());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bot = options.CurrentValue.AiBot;
        var lease = new ConnectionLease(services.GetService<IConnectionMultiplexer>(), bot.BotId, $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}");
        var pending = RedisPendingStreams.For(services, bot.BotId);
        var failures = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await HoldAsync(lease))
                {
                    _standby = true;
                    await Task.Delay(StandbyInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                _standby = false;
                if (_taken)
                {
                    // Keep the lease, so no sibling instance starts the fight either; an operator decides.
                    await Task.Delay(ConnectionLease.Length / 3, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                var healthy = await RunOnceAsync(bot, lease, pending, stoppingToken);
                if (stoppingToken.IsCancellationRequested || _taken)
                {
                    continue;
                }

                _status.Reconnecting();
                metrics.Reconnected(CheckName);
                failures = healthy ? 0 : failures + 1;
                var delay = ReconnectBackoff.Delay(failures, MaxBackoff);
                LogReconnecting(logger, _status.Problem ?? "closed", delay.TotalSeconds);
                await Task.Delay(delay, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            await lease.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<bool> HoldAsync(ConnectionLease lease)
    {
        try
        {
            return await lease.HoldAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Without the shared lease no instance may be sure it alone holds the bot: none connects.
            _status.Problem = "the lease in Redis is unavailable";
            return false;
        }
    }

    /// <returns>Whether the connection was healthy (subscribed): the backoff starts over after one.</returns>
    private async Task<bool> RunOnceAsync(WeComAiBotOptions bot, ConnectionLease lease, IPendingStreams pending, CancellationToken stoppingToken)
    {
        LongConnectionSocket socket;
        try
        {
            socket = await LongConnectionSocket.ConnectAsync(bot.LongConnectionUrl, stoppingToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
        {
            _status.Problem = $"cannot open {bot.LongConnectionUrl.Host} ({ex.GetType().Name})";
            return false;
        }

        await using (socket)
        {
            using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            int errcode;
            try
            {
                errcode = await socket.CommandAsync("aibot_subscribe", LongConnectionSocket.NewReqId("aibot_subscribe"),
                    new Subscription(bot.BotId, bot.Secret), WeComJson.Default.Subscription, TimeSpan.FromSeconds(10), session.Token);
            }
            catch (Exception ex) when (ex is TimeoutException or System.Net.WebSockets.WebSocketException or OperationCanceledException)
            {
                _status.Problem = "no answer to aibot_subscribe";
                return false;
            }

            if (errcode != 0)
            {
                _status.Problem = errcode is 853000 or 600041
                    ? $"errcode {errcode}: WeCom refused WeCom:AiBot:BotId / WeCom:AiBot:Secret (the long-connection Secret, not the callback Token)"
                    : $"aibot_subscribe errcode {errcode}";
                LogSubscribeFailed(logger, _status.Problem);
                return false;
            }

            _status.Connected(clock.GetUtcNow());
            LogConnected(logger, bot.LongConnectionUrl.Host, _status.Reconnects);
            var pump = new StreamPump(streams, pending, clock, logger);
            var background = Task.WhenAll(
                HeartbeatAsync(socket, bot.Heartbeat, session),
                KeepLeaseAsync(lease, session),
                PumpAsync(pump, socket, session.Token));
            try
            {
                while (await socket.ReadCommandAsync(session.Token) is { } frame)
                {
                    if (await frames.HandleAsync(frame, socket, pending, session.Token) == AiBotFrames.Outcome.Kicked)
                    {
                        _taken = true;
                        _status.Problem = "another client took the bot's connection (disconnected_event); not reconnecting — stop the other client or this one";
                        LogTaken(logger);
                        await session.CancelAsync();
                    }
                }
            }
            finally
            {
                _status.Disconnected();
                _status.Problem ??= "the connection closed";
                await session.CancelAsync();
                await background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return true;
        }
    }

    private async Task HeartbeatAsync(LongConnectionSocket socket, TimeSpan interval, CancellationTokenSource session)
    {
        var missed = 0;
        while (!session.IsCancellationRequested)
        {
            await Task.Delay(interval, clock, session.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                await socket.CommandAsync("ping", LongConnectionSocket.NewReqId("ping"), interval, session.Token);
                missed = 0;
            }
            catch (Exception ex) when (ex is TimeoutException or System.Net.WebSockets.WebSocketException or OperationCanceledException)
            {
                // Two unanswered heartbeats: the link is dead, whatever TCP says (as the official SDK decides).
                if (++missed >= 2 && !session.IsCancellationRequested)
                {
                    _status.Problem = "two heartbeats unanswered";
                    await session.CancelAsync();
                }
            }
        }
    }

    private async Task KeepLeaseAsync(ConnectionLease lease, CancellationTokenSource session)
    {
        while (!session.IsCancellationRequested)
        {
            await Task.Delay(ConnectionLease.Length / 3, clock, session.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!session.IsCancellationRequested && !await HoldAsync(lease))
            {
                // Another instance may take the bot now: this one lets go rather than be kicked mid-answer.
                _status.Problem = "the lease was lost";
                await session.CancelAsync();
            }
        }
    }

    private async Task PumpAsync(StreamPump pump, LongConnectionSocket socket, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await pump.PassAsync(socket, cancellationToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or JsonException or CryptographicException)
            {
                LogPumpFailed(logger, ex.GetType().Name);
            }

            await Task.Delay(PumpInterval, clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "WeCom AI bot long connection to {Host} subscribed ({Reconnects} reconnects so far)")]
    private static partial void LogConnected(ILogger logger, string host, int reconnects);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Error, Message = "WeCom AI bot long connection: {Problem}")]
    private static partial void LogSubscribeFailed(ILogger logger, string problem);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "WeCom AI bot long connection: {Problem}; reconnecting in {DelaySeconds:F1} s")]
    private static partial void LogReconnecting(ILogger logger, string problem, double delaySeconds);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Error, Message = "WeCom AI bot long connection taken by another client (disconnected_event): not reconnecting, so the two do not kick each other; stop the other client or this one")]
    private static partial void LogTaken(ILogger logger);

    [LoggerMessage(EventId = 2305, Level = LogLevel.Warning, Message = "WeCom long connection: a pump pass failed ({ErrorType}); the next one tries again")]
    private static partial void LogPumpFailed(ILogger logger, string errorType);
}
