using System.Text;

namespace ChatBot.Core.Audit;

/// <summary>Where audit lines go: a process boundary with two implementations (daily files, standard output).</summary>
public interface IAuditSink : IDisposable
{
    Task WriteAsync(AuditRecord record);

    Task FlushAsync();
}

/// <summary>JSON lines on standard output, for a log collector that ships them.</summary>
internal sealed class StdoutAuditSink : IAuditSink
{
    public Task WriteAsync(AuditRecord record) => Console.Out.WriteLineAsync("audit " + record.ToJson());

    public Task FlushAsync() => Console.Out.FlushAsync();

    public void Dispose()
    {
    }
}

/// <summary>
/// <c>audit-YYYY-MM-DD.&lt;instance&gt;.jsonl</c> in the folder, one per UTC day and instance (instances may share a
/// folder); files older than the retention are deleted at start and when the day turns.
/// </summary>
public sealed class FileAuditSink(string folder, int retentionDays, TimeProvider clock) : IAuditSink
{
    public const string Pattern = "audit-*.jsonl";
    private readonly string _instance = string.Concat(Environment.MachineName.Where(char.IsAsciiLetterOrDigit)) + "-" + Environment.ProcessId;
    private StreamWriter? _writer;
    private DateOnly _day;

    public async Task WriteAsync(AuditRecord record)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (_writer is null || today != _day)
        {
            _writer?.Dispose();
            Directory.CreateDirectory(folder);
            _day = today;
            _writer = new StreamWriter(new FileStream(Path.Combine(folder, $"audit-{today:yyyy-MM-dd}.{_instance}.jsonl"), FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
            Sweep(today);
        }

        await _writer.WriteLineAsync(record.ToJson());
    }

    public Task FlushAsync() => _writer?.FlushAsync() ?? Task.CompletedTask;

    private void Sweep(DateOnly today)
    {
        foreach (var file in Directory.EnumerateFiles(folder, Pattern))
        {
            var name = Path.GetFileName(file);
            if (name.Length >= 16 && DateOnly.TryParseExact(name[6..16], "yyyy-MM-dd", out var day) && day < today.AddDays(-retentionDays))
            {
                File.Delete(file);
            }
        }
    }

    public void Dispose() => _writer?.Dispose();
}
