using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Knowledge.Search;
using ChatBot.Core.Messages;
using ChatBot.Tests.Shared;
using ChatBot.WeCom;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace ChatBot.Tests.Knowledge;

/// <summary>Who may read what: the folder's access file (for any format), and the asker's departments from the platform's directory.</summary>
public sealed class DocumentAccessTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatbot-access");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void The_access_file_limits_a_Word_file_and_a_folder_and_every_rule_covering_a_file_applies()
    {
        Directory.CreateDirectory(PathOf("pay"));
        WriteWord("pay/salary.docx", "薪酬管理办法", "第一条 调薪", "每年3月统一调薪，幅度按绩效等级确定。");
        File.WriteAllText(PathOf("pay/bonus.md"), "# 奖金制度\n## 一、年终奖\n年终奖于次年1月发放。");
        File.WriteAllText(PathOf("open.md"), "# 考勤制度\n## 一、打卡\n员工上下班须打卡。");
        File.WriteAllText(PathOf(AccessFile.FileName), """
            {
              // the whole pay folder: department 5 only; the salary file additionally needs one of its own list
              "pay/": { "departments": ["5"] },
              "pay/salary.docx": { "departments": ["wecom:5", "dingtalk:9"], "users": ["cfo"] },
            }
            """);

        using var index = KnowledgeBase.Build(_folder.FullName, NullLogger.Instance, out var skipped);

        Assert.Empty(skipped);
        Assert.True(index.RestrictsDepartments);
        var salary = index.Chunks.Single(c => c.Document == "pay/salary.docx").Access;
        Assert.True(salary.Allows("anyone", ["5", "wecom:5"]));
        Assert.False(salary.Allows("anyone", ["9", "dingtalk:9"]), "the folder's rule applies too");
        Assert.False(salary.Allows("cfo", null), "a user listed on the file alone does not pass the folder's rule");
        Assert.False(salary.Allows("anyone", null));
        var bonus = index.Chunks.Single(c => c.Document == "pay/bonus.md").Access;
        Assert.True(bonus.Allows("anyone", ["5"]));
        Assert.False(bonus.Allows("anyone", ["6"]));
        Assert.False(index.Chunks.Single(c => c.Document == "open.md").Access.IsRestricted);
        var outsider = KnowledgeSearch.Find(index, Glossary.Empty, "什么时候调薪", 3, c => c.Access.Allows("u", ["wecom:6", "6"]));
        Assert.DoesNotContain(outsider.Hits, h => h.Chunk.Document.StartsWith("pay/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "pay/": { "department": ["5"] } }""", "unknown setting \"department\"")]
    [InlineData("""{ "pay/": { } }""", "names no department and no user")]
    [InlineData("""{ "pay/": { "departments": "5" } }""", "must be a list of ids")]
    [InlineData("""{ "pay/": """, "not valid JSON")]
    public void A_broken_access_file_stops_the_build_and_names_the_entry(string json, string problem)
    {
        File.WriteAllText(PathOf("open.md"), "# 考勤制度\n员工上下班须打卡。");
        File.WriteAllText(PathOf(AccessFile.FileName), json);

        var error = Assert.Throws<AdminFileException>(() => KnowledgeBase.Build(_folder.FullName, NullLogger.Instance, out _));

        Assert.Contains(AccessFile.FileName, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_rule_is_named_in_the_log_and_a_broken_edit_keeps_the_last_good_index()
    {
        File.WriteAllText(PathOf("pay.md"), "# 薪酬制度\n## 一、调薪\n每年3月统一调薪。");
        File.WriteAllText(PathOf(AccessFile.FileName), """{ "pay.md": { "departments": ["5"] }, "payy.md": { "users": ["x"] } }""");
        var logs = new CapturedLogs();
        using var knowledge = new KnowledgeBase(_folder.FullName, null, logs.CreateLogger("k"));
        Assert.Contains(logs.Lines, l => l.EventId == 1503 && l.Line.Contains("\"payy.md\"", StringComparison.Ordinal));

        var version = knowledge.Version;
        File.WriteAllText(PathOf(AccessFile.FileName), """{ "pay.md": { "departmentz": ["5"] } }""");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!logs.Lines.Any(l => l.EventId == 1502) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(logs.Lines, l => l.EventId == 1502 && l.Line.Contains("departmentz", StringComparison.Ordinal));
        Assert.Equal(version, knowledge.Version);
        Assert.False(knowledge.Index.Chunks.Single().Access.Allows("anyone", null), "still restricted: a broken edit opens nothing");
    }

    [Fact]
    public async Task Departments_come_from_the_directory_once_per_user_in_both_bare_and_platform_forms()
    {
        var directory = new StubDirectory(_ => Task.FromResult<IReadOnlyList<string>?>(["5", "12"]));
        using var askers = Askers(directory, new CapturedLogs());

        var first = await askers.ResolveAsync(Asker("lisi"), CancellationToken.None);
        var again = await askers.ResolveAsync(Asker("lisi"), CancellationToken.None);

        Assert.NotNull(first);
        Assert.Equal(["12", "5", "wecom:12", "wecom:5"], first.Order(StringComparer.Ordinal));
        Assert.Equal(first!.Order(), again!.Order());
        Assert.Equal(1, directory.Calls);
        await askers.ResolveAsync(Asker("wangwu"), CancellationToken.None);
        Assert.Equal(2, directory.Calls);
    }

    [Fact]
    public async Task A_failed_or_slow_lookup_fails_closed_is_logged_without_the_user_id_and_is_not_retried_at_once()
    {
        var logs = new CapturedLogs();
        var failing = new StubDirectory(_ => throw new HttpRequestException("Connection refused (qyapi/cgi-bin/user/get?access_token=SECRET)"));
        using var askers = Askers(failing, logs);

        Assert.Null(await askers.ResolveAsync(Asker("ghost-user"), CancellationToken.None));
        Assert.Null(await askers.ResolveAsync(Asker("ghost-user"), CancellationToken.None));
        Assert.Equal(1, failing.Calls);
        var line = Assert.Single(logs.Lines, l => l.EventId == 1504).Line;
        Assert.DoesNotContain("ghost-user", line, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", line, StringComparison.Ordinal);

        var hanging = new StubDirectory(async ct => { await Task.Delay(Timeout.Infinite, ct); return null; });
        using var slow = Askers(hanging, logs, TimeSpan.FromMilliseconds(200));
        var started = DateTime.UtcNow;
        Assert.Null(await slow.ResolveAsync(Asker("lisi"), CancellationToken.None));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3));
        Assert.Contains(logs.Lines, l => l.EventId == 1504 && l.Line.Contains("timed out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_directory_only_the_department_the_platform_sent_counts()
    {
        var logs = new CapturedLogs();
        using var askers = Askers(new StubDirectory(_ => Task.FromResult<IReadOnlyList<string>?>(null)), logs);

        Assert.Null(await askers.ResolveAsync(Asker("lisi"), CancellationToken.None));
        Assert.Equal(["7", "wecom:7"], (await askers.ResolveAsync(Asker("lisi", department: "7"), CancellationToken.None))!.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.EventId == 1504);
    }

    private static AskerDepartments Askers(IDepartmentDirectory directory, CapturedLogs logs, TimeSpan? timeout = null)
    {
        var services = new ServiceCollection().AddKeyedSingleton(Platform.WeCom, directory).AddOptions().BuildServiceProvider();
        var factory = LoggerFactory.Create(builder => builder.AddProvider(logs));
        return new AskerDepartments(services, services.GetRequiredService<IOptionsMonitor<KnowledgeOptions>>(), factory.CreateLogger<AskerDepartments>())
        {
            LookupTimeout = timeout ?? TimeSpan.FromSeconds(5),
        };
    }

    private static InboundMessage Asker(string user, string? department = null) =>
        new(Platform.WeCom, "corp:1", ChatKind.Direct, user, user, department, "q", Guid.NewGuid().ToString(), new WeComAppRoute(1, user), DateTimeOffset.UtcNow);

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    private void WriteWord(string name, string title, string heading, string text)
    {
        using var word = WordprocessingDocument.Create(PathOf(name), WordprocessingDocumentType.Document);
        word.AddMainDocumentPart().Document = new W.Document(new W.Body(
            DocumentReaderTests.Paragraph(title, "Title"), DocumentReaderTests.Paragraph(heading, "Heading2"), DocumentReaderTests.Paragraph(text, null)));
    }

    private sealed class StubDirectory(Func<CancellationToken, Task<IReadOnlyList<string>?>> answer) : IDepartmentDirectory
    {
        private int _calls;

        public int Calls => _calls;

        public Task<IReadOnlyList<DepartmentEntry>?> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException("document access never lists departments");

        public Task<IReadOnlyList<string>?> DepartmentsOfAsync(string userId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return answer(cancellationToken);
        }
    }
}
