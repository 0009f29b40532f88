using System.CommandLine;
using System.Globalization;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Audit;
using ChatBot.Core.Configuration;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Privacy;
using ChatBot.Core.Quotas;
using ChatBot.Host.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>quota show|reset --platform wecom|dingtalk --user ID</c>: an admin's view of the shared quota ledger — used today,
/// the limit and the rule that sets it, when it resets — and a reset of today's count, written to the audit trail.
/// Reads the same settings as the bot (appsettings, appsettings.Local.json, the environment). Needs Redis: without it
/// the counts live inside the running bot's memory.
/// </summary>
internal static class QuotaCommand
{
    public static Command Create()
    {
        Command show = new("show", "Used today, the limit, the rule that sets it, and when it resets; --chat: a group's budget.")
        {
            Platform(), User(), Chat(), CliVerbs.Value("department", "the user's department ids (5,wecom:7), for a department rule"),
        };
        Command reset = new("reset", "Today's count back to zero (written to the audit trail); --chat: a group's budget.") { Platform(), User(), Chat() };
        show.SetAction((result, _) => RunAsync("show", CliVerbs.Values(result)));
        reset.SetAction((result, _) => RunAsync("reset", CliVerbs.Values(result)));
        return new Command("quota", "A user's quota today, or a reset of it, on the shared Redis ledger (settings as the bot reads them: Redis:ConnectionString, Quotas:PolicyFile, Audit:*).") { show, reset };

        static Option<string> Platform() => CliVerbs.Value("platform", "wecom or dingtalk");
        static Option<string> User() => CliVerbs.Value("user", "the platform user id");
        static Option<string> Chat() => CliVerbs.Value("chat", "a group chat id (quotas.json groups), instead of --user");
    }

    public static async Task<int> RunAsync(string verb, Dictionary<string, string> options)
    {
        var chat = options.GetValueOrDefault("chat") is { Length: > 0 } c ? c : null;
        var user = options.GetValueOrDefault("user") is { Length: > 0 } u ? u : null;
        if (!Enum.TryParse<Platform>(options.GetValueOrDefault("platform"), ignoreCase: true, out var platform) || (user is null) == (chat is null))
        {
            Console.Error.WriteLine("quota: --platform wecom|dingtalk and one of --user ID or --chat ID are required.");
            return 2;
        }

        var configuration = SettingsFiles.ForVerbs();
        var redisOptions = configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (!redisOptions.Enabled || redisOptions.Parse() is not { Parsed: { } parsed })
        {
            Console.Error.WriteLine("quota: Redis:ConnectionString is not set (or does not parse): without Redis the counts live in the running bot's memory, and a restart resets them.");
            return 2;
        }

        var quotaOptions = configuration.GetSection(QuotaOptions.Section).Get<QuotaOptions>() ?? new QuotaOptions();
        using var policy = OpenPolicy(quotaOptions.PolicyFile);
        if (policy is null)
        {
            return 2;
        }

        ConnectionMultiplexer redis;
        try
        {
            parsed.AbortOnConnectFail = true;
            parsed.ConnectTimeout = 5000;
            redis = await ConnectionMultiplexer.ConnectAsync(parsed);
        }
        catch (RedisConnectionException ex)
        {
            Console.Error.WriteLine($"quota: Redis at Redis:ConnectionString is not reachable ({ex.FailureType}).");
            return 2;
        }

        await using (redis)
        {
            var gate = new QuotaGate(policy, new RedisQuotaLedger(redis), TimeProvider.System, ChatBotMetrics.Standalone());
            if (chat is not null)
            {
                return await GroupAsync(verb, gate, configuration, platform, chat);
            }

            ArgumentNullException.ThrowIfNull(user);

            if (verb == "reset")
            {
                await gate.ResetAsync(platform, user, CancellationToken.None);
                await AuditAsync(configuration, platform, user);
                Console.WriteLine($"{platform} user {user}: today's count is back to 0 (audited).");
            }

            var departments = options.GetValueOrDefault("department")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var standing = await gate.StandingAsync(platform, user, departments, CancellationToken.None);
            Console.WriteLine($"platform  {platform}");
            Console.WriteLine($"user      {user}");
            Console.WriteLine($"departments {(departments is { Length: > 0 } ? string.Join(",", departments) : "none given (--department)")}");
            Console.WriteLine($"used      {standing.Used}");
            Console.WriteLine($"limit     {(standing.Limit?.ToString(CultureInfo.InvariantCulture) ?? "none (admin)")}  (rule: {standing.Rule})");
            Console.WriteLine($"left      {(standing.Limit is { } limit ? Math.Max(0, limit - standing.Used).ToString(CultureInfo.InvariantCulture) : "unlimited")}");
            Console.WriteLine($"resets    {standing.ResetsAt:yyyy-MM-dd HH:mm zzz}");
            return 0;
        }
    }

    private static async Task<int> GroupAsync(string verb, QuotaGate gate, IConfiguration configuration, Platform platform, string chat)
    {
        if (verb == "reset")
        {
            await gate.ResetGroupAsync(platform, chat, CancellationToken.None);
            await AuditAsync(configuration, platform, user: null, chat);
            Console.WriteLine($"{platform} group {chat}: today's budget count is back to 0 (audited).");
        }

        var standing = await gate.GroupStandingAsync(platform, chat, CancellationToken.None);
        Console.WriteLine($"platform  {platform}");
        Console.WriteLine($"group     {chat}");
        Console.WriteLine($"used      {standing.Used}");
        Console.WriteLine($"budget    {(standing.Limit?.ToString(CultureInfo.InvariantCulture) ?? "none (no groups rule for this chat)")}");
        Console.WriteLine($"left      {(standing.Limit is { } limit ? Math.Max(0, limit - standing.Used).ToString(CultureInfo.InvariantCulture) : "unlimited")}");
        Console.WriteLine($"resets    {standing.ResetsAt:yyyy-MM-dd HH:mm zzz}");
        return 0;
    }

    private static HotReloadedFile<QuotaPolicy>? OpenPolicy(string path)
    {
        try
        {
            return new HotReloadedFile<QuotaPolicy>(path, QuotaPolicy.Parse, NullLogger.Instance);
        }
        catch (Exception ex) when (ex is AdminFileException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"quota: {ex.Message}");
            return null;
        }
    }

    private static async Task AuditAsync(IConfiguration configuration, Platform platform, string? user, string? chat = null)
    {
        var audit = configuration.GetSection(AuditOptions.Section).Get<AuditOptions>() ?? new AuditOptions();
        Pseudonym.UseKey(configuration.GetSection(PrivacyOptions.Section).Get<PrivacyOptions>()?.PseudonymKey);
        var record = new AuditRecord
        {
            Time = DateTimeOffset.UtcNow,
            Event = "admin",
            Action = chat is null ? "quota-reset" : "group-budget-reset",
            Platform = platform.ToString().ToLowerInvariant(),
            // Named as the bot's own records name them: by pseudonym (an unset key gives a random one, naming no one).
            User = user is null ? null : Pseudonym.Of(user),
            Chat = chat is null ? null : "group:" + Pseudonym.Of(chat),
            Actor = $"{Environment.UserName}@{Environment.MachineName}",
        };
        if (audit.Sink == AuditSinkKind.File)
        {
            using var sink = new FileAuditSink(audit.Folder, audit.RetentionDays, TimeProvider.System);
            await sink.WriteAsync(record);
            await sink.FlushAsync();
        }
        else if (audit.Sink == AuditSinkKind.Stdout)
        {
            Console.WriteLine("audit " + record.ToJson());
        }
    }
}
