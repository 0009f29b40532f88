using System.Text.Json;
using ChatBot.Core.Knowledge.Access;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary><c>knowledge search</c> as an admin runs it: the bot's executable, JSON lines out, searched as a given asker.</summary>
public sealed class KnowledgeVerbTests : IDisposable
{
    private readonly string _docs = Directory.CreateTempSubdirectory("chatbot-verb").FullName;

    public KnowledgeVerbTests()
    {
        Directory.CreateDirectory(Path.Combine(_docs, "pay"));
        File.WriteAllText(Path.Combine(_docs, "pay", "salary.md"), "# 薪酬管理办法\n## 第一条 调薪\n每年3月统一调薪，调薪幅度按绩效等级确定。");
        File.WriteAllText(Path.Combine(_docs, AccessFile.FileName), """{ "pay/": { "departments": ["5"] } }""");
    }

    public void Dispose() => Directory.Delete(_docs, recursive: true);

    [Fact]
    public async Task Search_prints_the_hit_and_citation_and_leaves_out_what_the_given_asker_may_not_read()
    {
        var (admin, _, adminExit) = await RunAsync("search", "--docs", _docs, "--question", "什么时候调薪");
        var (insider, _, _) = await RunAsync("search", "--docs", _docs, "--question", "什么时候调薪", "--departments", "5");
        var (outsider, _, _) = await RunAsync("search", "--docs", _docs, "--question", "什么时候调薪", "--user", "lisi", "--departments", "wecom:7,7");

        Assert.Equal(0, adminExit);
        foreach (var line in new[] { admin, insider })
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal("answered", json.RootElement.GetProperty("decision").GetString());
            Assert.StartsWith("来源：薪酬管理办法 › 第一条 调薪（pay/salary.md）", json.RootElement.GetProperty("citation").GetString(), StringComparison.Ordinal);
            Assert.Equal("pay/salary.md", json.RootElement.GetProperty("hits")[0].GetProperty("doc").GetString());
            // What the question was read as: its key term, which chose the quote.
            Assert.Contains("调薪", json.RootElement.GetProperty("words").EnumerateArray().Select(w => w.GetString()));
        }

        using var denied = JsonDocument.Parse(outsider);
        Assert.Equal("refused", denied.RootElement.GetProperty("decision").GetString());
        Assert.Equal(0, denied.RootElement.GetProperty("hits").GetArrayLength());
    }

    [Fact]
    public async Task Eval_prints_the_figures_per_kind_and_the_threshold_trade_off()
    {
        var set = Path.Combine(ChatBot.Tests.Shared.RepoPaths.Root, "samples", "knowledge-devset");

        var (output, error, exit) = await RunAsync("eval", "--docs", Path.Combine(set, "docs"), "--questions", Path.Combine(set, "questions.jsonl"),
            "--lexicon", ChatBot.Tests.Shared.RepoPaths.Lexicon, "--sweep");

        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        var kinds = json.RootElement.GetProperty("byKind");
        Assert.Equal(10, kinds.GetProperty("typo").GetProperty("answerable").GetInt32());
        Assert.Equal(10, kinds.GetProperty("typo").GetProperty("hitAt3").GetInt32());
        Assert.Equal(4, kinds.GetProperty("refusal").GetProperty("unanswerable").GetInt32());
        var all = json.RootElement.GetProperty("all");
        Assert.Equal(70, all.GetProperty("answerable").GetInt32());
        // The quote holds an answer fact in more than four answers cited right of five (35 of 40 with the shipped
        // glossary, 30 of 32 with none; docs/knowledge.md): a floor.
        var cited = all.GetProperty("answeredCitedRight").GetInt32();
        Assert.InRange(all.GetProperty("quoteHoldsFact").GetInt32(), cited * 4 / 5, cited);
        // An answer that states the facts is cited to the right section more often than the search's first passage is
        // (48 against 40 of 50 answered): what attribution adds.
        Assert.True(all.GetProperty("citedRightFromFacts").GetInt32() > cited, all.ToString());
        // Of the "not sure" replies, half show the right section (9 of 18), and a third its rule (6).
        var unsure = all.GetProperty("unsure").GetInt32();
        Assert.InRange(all.GetProperty("unsureShowsSection").GetInt32(), unsure / 3, unsure);
        Assert.InRange(all.GetProperty("unsureShowsFact").GetInt32(), 1, all.GetProperty("unsureShowsSection").GetInt32());
        Assert.True(json.RootElement.GetProperty("sweep").GetArrayLength() > 4);
    }

    [Fact]
    public async Task An_unreadable_dictionary_is_named_on_stderr_and_the_search_still_answers()
    {
        var broken = Path.Combine(_docs, "..", $"lexicon-{Guid.NewGuid():N}.tsv");
        File.WriteAllText(broken, "=個\n");
        try
        {
            var (output, error, exit) = await RunAsync("search", "--docs", _docs, "--question", "什么时候调薪", "--lexicon", broken);

            Assert.Equal(0, exit);
            Assert.Equal("answered", JsonDocument.Parse(output).RootElement.GetProperty("decision").GetString());
            Assert.Contains(broken, error, StringComparison.Ordinal);
            Assert.Contains("=traditional<TAB>simplified", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public async Task An_unreadable_thesaurus_is_named_on_stderr_and_a_missing_one_said_while_the_search_still_answers()
    {
        var broken = Path.Combine(_docs, "..", $"thesaurus-{Guid.NewGuid():N}.txt");
        File.WriteAllText(broken, "老婆 妻子\n孤\n");
        try
        {
            var (output, error, exit) = await RunAsync("search", "--docs", _docs, "--question", "什么时候调薪", "--thesaurus", broken);
            var (_, missing, _) = await RunAsync("search", "--docs", _docs, "--question", "什么时候调薪", "--thesaurus", broken + ".absent");
            var (_, off, _) = await RunAsync("search", "--docs", _docs, "--question", "什么时候调薪", "--thesaurus", "");

            Assert.Equal(0, exit);
            Assert.Equal("answered", JsonDocument.Parse(output).RootElement.GetProperty("decision").GetString());
            Assert.Contains(broken, error, StringComparison.Ordinal);
            Assert.Contains("expected a group of two or more words", error, StringComparison.Ordinal);
            Assert.Contains("Knowledge:ThesaurusFile", missing, StringComparison.Ordinal);
            Assert.DoesNotContain("thesaurus", off, StringComparison.OrdinalIgnoreCase); // empty: off, quietly
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public async Task A_broken_access_file_is_named_with_exit_code_2()
    {
        File.WriteAllText(Path.Combine(_docs, AccessFile.FileName), """{ "pay/": { "departmentz": ["5"] } }""");

        var (output, error, exit) = await RunAsync("search", "--docs", _docs, "--question", "什么时候调薪");

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("unknown setting \"departmentz\"", error, StringComparison.Ordinal);
    }

    private static Task<(string Output, string Error, int Exit)> RunAsync(params string[] args) => BotProcess.RunVerbAsync(["knowledge", .. args]);
}
