using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ChatBot.Tests.Shared;

/// <summary>
/// Every formatted log line (with its exception) the app writes, for assertions and the privacy scan: the records of
/// Microsoft.Extensions.Diagnostics.Testing's fake logger, as lines.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly FakeLoggerProvider _provider = new();

    public FakeLogCollector Collector => _provider.Collector;

    public IReadOnlyList<(string Category, LogLevel Level, int EventId, string Line)> Lines =>
        [.. Collector.GetSnapshot().Select(r => (r.Category ?? "", r.Level, r.Id.Id, r.Message + (r.Exception is null ? "" : " | " + r.Exception)))];

    /// <summary>The last lines at <paramref name="level"/> or above, one per line, for a failing test's message.</summary>
    public string Tail(LogLevel level = LogLevel.Information, int count = 60) =>
        string.Join('\n', Lines.Where(l => l.Level >= level).TakeLast(count).Select(l => $"{l.Level} {l.Category}[{l.EventId}] {l.Line}"));

    public ILogger CreateLogger(string categoryName) => _provider.CreateLogger(categoryName);

    public void Dispose() => _provider.Dispose();
}
