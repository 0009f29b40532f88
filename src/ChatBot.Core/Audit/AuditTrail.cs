using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Audit;

/// <summary>Section <c>Audit</c>: where the audit trail goes.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary><c>File</c> (default): daily files in <see cref="Folder"/>; <c>Stdout</c>: JSON lines for a log collector; <c>Off</c>.</summary>
    public AuditSinkKind Sink { get; set; } = AuditSinkKind.File;

    public string Folder { get; set; } = "audit";

    /// <summary>Days a daily file is kept; older ones are deleted at start and once a day.</summary>
    public int RetentionDays { get; set; } = 180;

    /// <summary>
    /// Whether a direct message's cited document is recorded. Off by default: in a DM the document an employee asked
    /// about (产假, 离职) says more about them than a group's does.
    /// </summary>
    public bool DocumentsInDirectMessages { get; set; }
}

public enum AuditSinkKind
{
    File,
    Stdout,
    Off,
}

/// <summary>The trail's settings, and <c>Privacy:PseudonymKey</c> while it is on: records name people only by a keyed pseudonym.</summary>
public sealed class AuditOptionsValidator(IOptions<Privacy.PrivacyOptions> privacy) : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var pseudonymKey = privacy.Value.PseudonymKey;
        var errors = new List<string>();
        if (options.Sink != AuditSinkKind.Off && (string.IsNullOrWhiteSpace(pseudonymKey) || Configuration.Placeholder.Is(pseudonymKey)
                || pseudonymKey.Length < Privacy.Pseudonym.MinKeyLength))
        {
            errors.Add($"Privacy:PseudonymKey must be set in the environment (Privacy__PseudonymKey, at least {Privacy.Pseudonym.MinKeyLength} characters, e.g. " +
                "openssl rand -base64 32) while the audit trail is on: audit lines and logs name users and chats only by a pseudonym keyed with it. " +
                "Or turn the trail off with Audit:Sink=Off.");
        }

        if (!Enum.IsDefined(options.Sink))
        {
            errors.Add($"Audit:Sink must be File, Stdout or Off; got '{options.Sink}'.");
        }

        if (options.Sink == AuditSinkKind.File && string.IsNullOrWhiteSpace(options.Folder))
        {
            errors.Add("Audit:Folder must name a folder when Audit:Sink is File.");
        }

        if (options.RetentionDays < 1)
        {
            errors.Add($"Audit:RetentionDays must be at least 1; got {options.RetentionDays}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Takes audit records without ever holding up a request (a bounded queue; when full, the oldest waits are not
/// dropped silently: the count is logged) and writes them in the background to the configured sink, flushing at stop.
/// </summary>
public sealed partial class AuditTrail(IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditTrail> logger) : BackgroundService
{
    private readonly Channel<AuditRecord> _records = Channel.CreateBounded<AuditRecord>(new BoundedChannelOptions(50_000) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _dropped;

    public void Write(AuditRecord record)
    {
        if (options.Value.Sink != AuditSinkKind.Off && !_records.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Sink == AuditSinkKind.Off)
        {
            return;
        }

        using var sink = settings.Sink == AuditSinkKind.Stdout ? (IAuditSink)new StdoutAuditSink() : new FileAuditSink(settings.Folder, settings.RetentionDays, clock);
        try
        {
            while (await _records.Reader.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync(sink);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is queued is written below.
        }

        await DrainAsync(sink);
    }

    private async Task DrainAsync(IAuditSink sink)
    {
        try
        {
            while (_records.Reader.TryRead(out var record))
            {
                await sink.WriteAsync(record);
            }

            await sink.FlushAsync();
        }
        catch (IOException ex)
        {
            LogSinkFailed(logger, ex.GetType().Name);
        }

        if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped)
        {
            LogDropped(logger, dropped);
        }
    }

    [LoggerMessage(EventId = 1700, Level = LogLevel.Error, Message = "The audit sink failed ({ErrorType}); records are kept in memory until it works again")]
    private static partial void LogSinkFailed(ILogger logger, string errorType);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Error, Message = "{Dropped} audit records were dropped: the audit queue was full")]
    private static partial void LogDropped(ILogger logger, long dropped);
}
