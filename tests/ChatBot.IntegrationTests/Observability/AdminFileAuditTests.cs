using System.Text.Json;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;

namespace ChatBot.IntegrationTests.Observability;

/// <summary>
/// Every hot reload of an admin file — quotas, sensitive words, the system prompt, the glossary, the documents' access
/// rules — writes an <c>admin</c> audit line through the real host: the file, the content hash before and after, the
/// rules added, changed and removed, and whether the edit was taken or refused.
/// </summary>
public sealed class AdminFileAuditTests : IDisposable
{
    private readonly string _docs = Directory.CreateTempSubdirectory("chatbot-audit-docs").FullName;

    public void Dispose() => Directory.Delete(_docs, recursive: true);

    [Fact]
    public async Task Each_admin_file_edit_taken_or_refused_is_an_admin_audit_line()
    {
        File.WriteAllText(Path.Combine(_docs, "pay.md"), "# 薪酬\n## 一、调薪\n每年3月调薪。");
        File.WriteAllText(Path.Combine(_docs, "access.json"), """{ "pay.md": { "departments": ["5"] } }""");
        using var app = new ChatBotApp().With("Knowledge:Folder", _docs).With("Inference:WarmUp", "false");
        var glossary = Path.Combine(app.ConfigDirectory, "synonyms.txt");
        File.WriteAllText(glossary, "结婚, 领证 => 婚假\n");
        app.With("Knowledge:SynonymsFile", glossary);
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 50, "users": { "lisi": 10 } }""");
        app.Start();

        // Quotas: the default changed, lisi's rule removed, two users added.
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 20, "users": { "wangwu": 5, "zhaoliu": 5 } }""");
        var applied = await Line(app, "quotas.json", "applied");
        Assert.Equal((2, 1, 1), (applied.GetProperty("rulesAdded").GetInt32(), applied.GetProperty("rulesChanged").GetInt32(), applied.GetProperty("rulesRemoved").GetInt32()));
        Assert.NotEqual(applied.GetProperty("hashBefore").GetString(), applied.GetProperty("hashAfter").GetString());

        // A broken edit is refused, named, and the last good file stays.
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": -3 }""");
        var refused = await Line(app, "quotas.json", "refused");
        Assert.Contains("dailyLimit must be 0 or more", refused.GetProperty("code").GetString(), StringComparison.Ordinal);
        Assert.Equal(applied.GetProperty("hashAfter").GetString(), refused.GetProperty("hashBefore").GetString());

        app.WriteSensitiveWords(File.ReadAllText(Path.Combine(app.ConfigDirectory, "sensitive-words.txt")) + "\n新增敏感词\n");
        Assert.Equal(1, (await Line(app, "sensitive-words.txt", "applied")).GetProperty("rulesAdded").GetInt32());

        File.AppendAllText(Path.Combine(app.ConfigDirectory, "system-prompt.md"), "\nAlways answer in one paragraph.\n");
        Assert.Equal(1, (await Line(app, "system-prompt.md", "applied")).GetProperty("rulesAdded").GetInt32());

        File.WriteAllText(glossary, "结婚, 领证, 扯证 => 婚假\n");
        Assert.Equal(1, (await Line(app, "synonyms.txt", "applied")).GetProperty("rulesChanged").GetInt32());

        File.WriteAllText(Path.Combine(_docs, "access.json"), """{ "pay.md": { "departmentz": ["5"] } }""");
        Assert.Contains("departmentz", (await Line(app, "access.json", "refused")).GetProperty("code").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> Line(ChatBotApp app, string file, string outcome)
    {
        JsonElement? found = null;
        await QuotaIntakeTests.WaitUntil(() =>
        {
            foreach (var line in app.AuditLines)
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                if (root.GetProperty("event").GetString() == "admin" && root.TryGetProperty("file", out var f) && f.GetString()!.EndsWith(file, StringComparison.Ordinal)
                    && root.GetProperty("outcome").GetString() == outcome && root.GetProperty("action").GetString() == "file-reload")
                {
                    found = root.Clone();
                }
            }

            return found is not null;
        }, 15);
        return found!.Value;
    }
}
