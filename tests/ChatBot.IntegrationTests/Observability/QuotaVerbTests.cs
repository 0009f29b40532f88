using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;

namespace ChatBot.IntegrationTests.Observability;

/// <summary><c>quota show|reset</c> against the real Redis ledger the running bot charges, the reset audited.</summary>
public sealed class QuotaVerbTests
{
    [Fact]
    public async Task Show_reports_what_the_bot_charged_and_reset_clears_it_with_an_audit_line()
    {
        var redis = RedisServer.IsolatedDatabase();
        using var app = new ChatBotApp().With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey).WithRecordingQueue();
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 2, "users": { "vip-user": 5 }, "departments": { "wecom:5": 4 }, "admins": [ "boss" ] }""");
        var client = app.Start();
        await client.PostAsync(PlatformCallbacks.App("qv-1", "第一个问题", user: "quota-user"));
        await client.PostAsync(PlatformCallbacks.App("qv-2", "第二个问题", user: "quota-user"));
        var settings = new Dictionary<string, string?>
        {
            ["Redis:ConnectionString"] = redis,
            ["Quotas:PolicyFile"] = Path.Combine(app.ConfigDirectory, "quotas.json"),
            ["Audit:Folder"] = app.AuditDirectory,
            ["Privacy:PseudonymKey"] = ChatBotApp.PseudonymKey,
        };

        var (shown, _, showExit) = await BotProcess.RunVerbAsync(settings, "quota", "show", "--platform", "wecom", "--user", "quota-user");
        var (vip, _, _) = await BotProcess.RunVerbAsync(settings, "quota", "show", "--platform", "wecom", "--user", "vip-user");
        var (hr, _, _) = await BotProcess.RunVerbAsync(settings, "quota", "show", "--platform", "wecom", "--user", "quota-user", "--department", "5,wecom:5");
        var (reset, _, resetExit) = await BotProcess.RunVerbAsync(settings, "quota", "reset", "--platform", "wecom", "--user", "quota-user");
        var (_, missing, missingExit) = await BotProcess.RunVerbAsync(new Dictionary<string, string?> { ["Redis:ConnectionString"] = "" }, "quota", "show", "--platform", "wecom", "--user", "x");

        Assert.Equal(0, showExit);
        Assert.Matches(@"used\s+2\b", shown);
        Assert.Matches(@"limit\s+2\s+\(rule: dailyLimit\)", shown);
        Assert.Matches(@"left\s+0\b", shown);
        Assert.Matches(@"limit\s+5\s+\(rule: users\)", vip);
        Assert.Matches(@"departments 5,wecom:5", hr);
        Assert.Matches(@"limit\s+4\s+\(rule: departments:wecom:5\)", hr);
        Assert.Equal(0, resetExit);
        Assert.Matches(@"used\s+0\b", reset);
        Assert.Contains(app.AuditLines, l => l.Contains("\"event\":\"admin\"", StringComparison.Ordinal) && l.Contains("\"action\":\"quota-reset\"", StringComparison.Ordinal)
                                             && l.Contains($"\"user\":\"{ChatBot.Core.Privacy.Pseudonym.Of("quota-user")}\"", StringComparison.Ordinal));
        Assert.Equal(2, missingExit);
        Assert.Contains("Redis:ConnectionString", missing, StringComparison.Ordinal);

        // The bot sees the reset: the next question is charged again, not refused.
        await client.PostAsync(PlatformCallbacks.App("qv-3", "第三个问题", user: "quota-user"));
        await QuotaIntakeTests.WaitUntil(() => app.Queue!.Queued.Count == 3);
        Assert.Equal(ChatBot.Core.Queue.AnswerKind.Inference, app.Queue!.Queued[2].Kind);
    }
}
