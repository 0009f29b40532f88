using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ChatBot.Core.Audit;
using ChatBot.Core.Configuration;
using ChatBot.Core.Privacy;
using ChatBot.Host.Hosting;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>audit</c>: the audit trail filtered for an auditor — by user, date range, outcome and event — as JSON lines, or
/// as CSV (<c>--csv</c>) for a spreadsheet. Reads every instance's daily files in the folder.
/// </summary>
internal static class AuditCommand
{
    private static readonly string[] Columns =
        ["time", "event", "platform", "channel", "user", "chat", "message", "outcome", "quotaUsed", "quotaLeft", "tokens", "latencyMs", "documents", "code", "action", "actor"];

    public static Command Create()
    {
        Command command = new("audit", "The audit trail for an auditor, filtered by user, date range, outcome and event: JSON lines, or CSV.")
        {
            CliVerbs.Value("folder", "the audit folder (Audit:Folder, audit)"),
            CliVerbs.Value("user", "one platform user id (searched as its pseudonym under Privacy:PseudonymKey), or a pseudonym p-…"),
            CliVerbs.Value("from", "the first UTC day, YYYY-MM-DD (included)"),
            CliVerbs.Value("to", "the last UTC day, YYYY-MM-DD (included)"),
            CliVerbs.Value("outcome", "one outcome (accepted, answered, failed, over_quota, ...)"),
            CliVerbs.Value("event", "intake, answer or admin"),
            CliVerbs.Flag("csv", "CSV with a header row instead of JSON lines"),
        };
        command.SetAction((result, _) => RunAsync(CliVerbs.Values(result)));
        return command;
    }

    public static async Task<int> RunAsync(Dictionary<string, string> options)
    {
        DateOnly? from, to;
        try
        {
            from = Day(options, "from");
            to = Day(options, "to");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"audit: {ex.Message}");
            return 2;
        }

        var folder = options.GetValueOrDefault("folder") ?? new AuditOptions().Folder;
        if (!Directory.Exists(folder))
        {
            Console.Error.WriteLine($"audit: the folder '{folder}' does not exist (--folder DIR, or Audit:Folder).");
            return 2;
        }

        // Records name users by a keyed pseudonym: --user NAME is searched as the pseudonym the bot's key gives it.
        if (options.GetValueOrDefault("user") is { Length: > 0 } name && !Pseudonym.Is(name))
        {
            var key = SettingsFiles.ForVerbs()["Privacy:PseudonymKey"];
            if (string.IsNullOrWhiteSpace(key) || Placeholder.Is(key))
            {
                Console.Error.WriteLine("audit: --user needs the bot's Privacy:PseudonymKey (environment Privacy__PseudonymKey) to find that user's pseudonym; or pass the pseudonym (p-…) itself.");
                return 2;
            }

            Pseudonym.UseKey(key);
            options["user"] = Pseudonym.Of(name);
        }

        var csv = options.ContainsKey("csv");
        if (csv)
        {
            Console.WriteLine(string.Join(',', Columns));
        }

        var matched = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "audit-*.jsonl").Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            while (await reader.ReadLineAsync() is { } line)
            {
                if (Parse(line) is not { } record || !Matches(record, options, from, to))
                {
                    continue;
                }

                matched++;
                Console.WriteLine(csv ? Csv(record) : line);
            }
        }

        Console.Error.WriteLine($"audit: {matched} records");
        return 0;
    }

    private static AuditRecord? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<AuditRecord>(line, AuditRecord.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool Matches(AuditRecord record, Dictionary<string, string> options, DateOnly? from, DateOnly? to)
    {
        var day = DateOnly.FromDateTime(record.Time.UtcDateTime);
        return (!options.TryGetValue("user", out var user) || record.User == user)
               && (!options.TryGetValue("outcome", out var outcome) || record.Outcome == outcome)
               && (!options.TryGetValue("event", out var kind) || record.Event == kind)
               && (from is null || day >= from) && (to is null || day <= to);
    }

    private static DateOnly? Day(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value)
            ? DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                ? day
                : throw new FormatException($"--{name} must be a date as YYYY-MM-DD; got '{value}'.")
            : null;

    private static string Csv(AuditRecord r) => string.Join(',', new[]
    {
        r.Time.ToString("O", CultureInfo.InvariantCulture), r.Event, r.Platform, r.Channel, r.User, r.Chat, r.Message, r.Outcome,
        Number(r.QuotaUsed), Number(r.QuotaLeft), Number(r.Tokens), r.LatencyMs?.ToString(CultureInfo.InvariantCulture),
        r.Documents is null ? null : string.Join(';', r.Documents), r.Code, r.Action, r.Actor,
    }.Select(Field));

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    // Quoted when it must be; a leading = + - @ is defused, so a spreadsheet never runs a user id as a formula.
    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
