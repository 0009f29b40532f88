using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace ChatBot.Host.Hosting;

/// <summary>
/// systemd's watchdog (<c>WatchdogSec=</c> in deploy/systemd): pings <c>WATCHDOG=1</c> at half the interval systemd
/// gives in <c>WATCHDOG_USEC</c>, from a thread-pool timer — so a process whose thread pool is starved or deadlocked
/// misses its pings and is restarted, while a busy one keeps pinging. Microsoft.Extensions.Hosting.Systemd sends
/// READY=1 and STOPPING=1 only. Nothing runs unless systemd asked for a watchdog.
/// </summary>
internal sealed partial class SystemdWatchdog(ILogger<SystemdWatchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var notifier = new SystemdNotifier();
        var every = Interval()!.Value / 2;
        LogWatchdog(logger, every.TotalSeconds);
        using var timer = new PeriodicTimer(every);
        do
        {
            notifier.Notify(new ServiceState("WATCHDOG=1"));
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false) && !stoppingToken.IsCancellationRequested);
    }

    /// <summary>The watchdog interval when systemd set one for this process (WATCHDOG_PID, when given, is ours).</summary>
    public static TimeSpan? Interval()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"))
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "systemd watchdog: pinging every {Seconds:F1} s")]
    private static partial void LogWatchdog(ILogger logger, double seconds);
}

internal static class SystemdRegistration
{
    /// <summary>Type=notify (READY=1 once the host has started, the model loaded), journald's log format, the watchdog.</summary>
    public static IHostApplicationBuilder AddSystemdIntegration(this IHostApplicationBuilder builder)
    {
        // A no-op unless systemd started the process.
        builder.Services.AddSystemd();
        if (SystemdWatchdog.Interval() is not null)
        {
            builder.Services.AddHostedService<SystemdWatchdog>();
        }

        return builder;
    }
}
