using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatBot.Core.Configuration;

/// <summary>
/// Settings renamed since an earlier release. The old key keeps working where the new one is not set, and start-up
/// warns once per old key found, naming the new one, so an admin's file or environment goes on working while it is
/// updated. The README's "Renamed settings" lists the same pairs.
/// </summary>
public sealed partial class RenamedSettings(IConfiguration configuration, ILogger<RenamedSettings> logger) : IHostedService
{
    /// <summary>Old key → new key.</summary>
    public static readonly IReadOnlyList<(string Old, string New)> All =
    [
        // "Queue" is the job queue; the line in front of the model is the answer line.
        ("Answers:QueuedText", "Answers:PlaceInLineText"),
    ];

    /// <summary>The value the old key gives <paramref name="newKey"/>, when only the old key is set.</summary>
    public static string? Carried(IConfiguration configuration, string newKey) =>
        configuration[newKey] is null && All.FirstOrDefault(p => p.New == newKey).Old is { } old ? configuration[old] : null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (old, renamed) in All.Where(p => configuration[p.Old] is not null))
        {
            LogRenamed(logger, old, renamed, configuration[renamed] is null ? "it is used" : $"{renamed} is set too and wins");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Setting {Old} was renamed {New}: {Outcome}; rename it in your settings")]
    private static partial void LogRenamed(ILogger logger, string old, string @new, string outcome);
}
