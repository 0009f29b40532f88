using System.Text.Json;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.Observability;

/// <summary>The audit trail through the real host (metadata per message) and the <c>audit</c> verb an auditor runs on it.</summary>
public sealed class AuditTests
{
    [Fact]
    public async Task The_answer_line_counts_the_models_tokens_not_the_streamed_pieces()
    {
        var replies = new RecordingReplySender();
        using var app = new ChatBotApp().WithServices(services =>
        {
            replies.Register(services);
            services.AddSingleton<IChatClient>(new PiecesWithUsageClient(["年假按工龄", "计算。"], outputTokens: 7));
        });
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("au-tokens", "年假怎么算", user: "audit-t"));
        await QuotaIntakeTests.WaitUntil(() => app.AuditLines.Any(l => l.Contains("\"answered\"", StringComparison.Ordinal)), 60);

        var answered = app.AuditLines.Select(l => JsonDocument.Parse(l).RootElement)
            .Single(r => r.GetProperty("outcome").GetString() == "answered");
        Assert.Equal(7, answered.GetProperty("tokens").GetInt32());
        Assert.StartsWith("年假按工龄计算。", Assert.Single(replies.Sent).Text, StringComparison.Ordinal);
    }

    /// <summary>Streams the given pieces, then a closing update with the model's token count, as LlamaChatClient does.</summary>
    private sealed class PiecesWithUsageClient(string[] pieces, int outputTokens) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var piece in pieces)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
            }

            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                FinishReason = ChatFinishReason.Stop,
                Contents = [new UsageContent(new UsageDetails { OutputTokenCount = outputTokens })],
            };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Each_message_leaves_intake_and_answer_lines_that_the_audit_verb_filters_and_exports()
    {
        var replies = new RecordingReplySender();
        using var app = new ChatBotApp().WithServices(replies.Register);
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("au-1", "你好", user: "audit-a"));
        await client.PostAsync(PlatformCallbacks.App("au-1", "你好", user: "audit-a"));
        await client.PostAsync(PlatformCallbacks.App("au-2", "再问一个", user: "audit-a"));
        await client.PostAsync(PlatformCallbacks.App("au-3", "赌博网站", user: "audit-b"));
        await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count == 3, 60);
        await QuotaIntakeTests.WaitUntil(() => app.AuditLines.Count >= 7);

        var records = app.AuditLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        string Outcomes(string kind, string user) => string.Join(",", records
            .Where(r => r.GetProperty("event").GetString() == kind && r.GetProperty("user").GetString() == user)
            .Select(r => r.GetProperty("outcome").GetString()).Order(StringComparer.Ordinal));
        // Users are recorded by their keyed pseudonym, never by id.
        var (a, b) = (ChatBot.Core.Privacy.Pseudonym.Of("audit-a"), ChatBot.Core.Privacy.Pseudonym.Of("audit-b"));
        Assert.Equal("accepted,duplicate,over_quota", Outcomes("intake", a));
        Assert.Equal("answered,over_quota_notice", Outcomes("answer", a));
        Assert.Equal("refused_input", Outcomes("intake", b));
        Assert.DoesNotContain(app.AuditLines, l => l.Contains("audit-a", StringComparison.Ordinal) || l.Contains("audit-b", StringComparison.Ordinal));
        var accepted = records.Single(r => r.GetProperty("outcome").GetString() == "accepted");
        Assert.Equal((1, 0), (accepted.GetProperty("quotaUsed").GetInt32(), accepted.GetProperty("quotaLeft").GetInt32()));
        var answered = records.Single(r => r.GetProperty("outcome").GetString() == "answered");
        Assert.True(answered.GetProperty("tokens").GetInt32() > 0);
        Assert.Equal("wecom-app", answered.GetProperty("channel").GetString());
        Assert.DoesNotContain(app.AuditLines, l => l.Contains("你好", StringComparison.Ordinal) || l.Contains("赌博", StringComparison.Ordinal));

        // An auditor holding the key searches by the user's id: the verb computes the pseudonym. Without the key it cannot.
        var (csv, _, exit) = await AuditWithKeyAsync("--folder", app.AuditDirectory, "--user", "audit-a", "--event", "intake", "--csv");
        var (_, keyless, keylessExit) = await AuditAsync("--folder", app.AuditDirectory, "--user", "audit-a");
        Assert.Equal(2, keylessExit);
        Assert.Contains("Privacy:PseudonymKey", keyless, StringComparison.Ordinal);
        var (byPseudonym, _, _) = await AuditAsync("--folder", app.AuditDirectory, "--user", a, "--event", "intake");
        Assert.Equal(3, byPseudonym.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(0, exit);
        Assert.StartsWith("time,event,platform,channel,user,chat,message,outcome,quotaUsed,quotaLeft", rows[0], StringComparison.Ordinal);
        Assert.Equal(3, rows.Length - 1);
        Assert.All(rows.Skip(1), r => Assert.Contains($",intake,wecom,wecom-app,{a},direct,", r, StringComparison.Ordinal));
        var (overQuota, _, _) = await AuditAsync("--folder", app.AuditDirectory, "--outcome", "over_quota");
        Assert.Single(overQuota.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var (none, _, _) = await AuditAsync("--folder", app.AuditDirectory, "--from", tomorrow);
        Assert.Equal("", none);
        var (_, error, bad) = await AuditAsync("--folder", app.AuditDirectory, "--from", "26/11/2026");
        Assert.Equal(2, bad);
        Assert.Contains("--from must be a date as YYYY-MM-DD", error, StringComparison.Ordinal);
    }

    private static Task<(string Output, string Error, int Exit)> AuditAsync(params string[] args) => BotProcess.RunVerbAsync(["audit", .. args]);

    private static Task<(string Output, string Error, int Exit)> AuditWithKeyAsync(params string[] args) =>
        BotProcess.RunVerbAsync(new Dictionary<string, string?> { ["Privacy:PseudonymKey"] = ChatBotApp.PseudonymKey }, ["audit", .. args]);
}
