using System.Text.Json;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge;
using ChatBot.Knowledge.Documents;
using ChatBot.Knowledge.Search;
using ChatBot.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Tests.Knowledge;

public sealed class KnowledgeSearchTests : IDisposable
{
    private static readonly string Sample = RepoPaths.KnowledgeSample;
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatbot-knowledge");

    public void Dispose() => _folder.Delete(recursive: true);

    private static Glossary DefaultGlossary => Glossary.Parse(File.ReadAllText(RepoPaths.Config("knowledge-synonyms.txt")), "knowledge-synonyms.txt");

    [Fact]
    public void On_the_public_sample_every_answerable_section_is_in_the_top_3_and_the_unanswerable_are_not_answered()
    {
        using var index = KnowledgeBase.Build(Path.Combine(Sample, "docs"), NullLogger.Instance, out var skipped, Lexicon.Load(RepoPaths.Lexicon));
        Assert.Empty(skipped);
        foreach (var line in File.ReadLines(Path.Combine(Sample, "questions.jsonl")).Where(l => l.Trim().Length > 0))
        {
            using var item = JsonDocument.Parse(line);
            var question = item.RootElement.GetProperty("question").GetString()!;
            var doc = item.RootElement.GetProperty("doc").GetString();
            var answer = KnowledgeSearch.Find(index, DefaultGlossary, question, 3, _ => true);
            if (doc is null)
            {
                // Refused, or "not sure" with the sections quoted: never the model's answer.
                Assert.True(answer.Decision != Grounding.Answered, $"'{question}' must not be answered, got {answer.Best?.Section}");
                continue;
            }

            var section = item.RootElement.GetProperty("section").GetString()!;
            Assert.False(answer.Refused, $"'{question}' was refused (coverage {answer.Coverage:F2})");
            Assert.Contains(answer.Hits.Take(3), h => h.Chunk.Document == doc && h.Chunk.Heading.Contains(section, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Common_words_alone_do_not_make_a_question_answerable()
    {
        WriteDoc("leave.md", "# 休假制度\n## 第一条 年休假\n员工每年享受带薪年休假5天，部门负责人审批。\n## 第二条 婚假\n员工依法办理结婚登记的，可享受婚假10天。");
        using var index = KnowledgeBase.Build(_folder.FullName, NullLogger.Instance, out _);

        var married = KnowledgeSearch.Find(index, DefaultGlossary, "我下个月结婚能请几天", 3, _ => true);
        var unrelated = KnowledgeSearch.Find(index, DefaultGlossary, "每年部门团建去哪里玩", 3, _ => true);
        var greeting = KnowledgeSearch.Find(index, DefaultGlossary, "你好", 3, _ => true);

        Assert.False(married.Refused);
        Assert.Equal("第二条 婚假", married.Best!.Heading);
        Assert.True(unrelated.Refused, "每年/部门 score in BM25 but are not what the question is about");
        Assert.False(greeting.PolicyQuestion);
    }

    [Fact]
    public void A_restricted_passage_is_never_retrieved_for_an_outsider_or_when_the_department_is_unknown()
    {
        WriteDoc("pay.md", "---\ndepartments: hr\n---\n# 薪酬保密制度\n## 一、调薪\n每年3月统一调薪，调薪幅度按绩效等级确定。");
        WriteDoc("open.md", "# 考勤制度\n## 一、打卡\n员工上下班须打卡。");
        using var index = KnowledgeBase.Build(_folder.FullName, NullLogger.Instance, out _);

        Assert.Equal("一、调薪", KnowledgeSearch.Find(index, DefaultGlossary, "什么时候调薪", 3, c => c.Access.Allows("u1", ["hr"])).Best?.Heading);
        foreach (var departments in new[] { ["sales"], (string[]?)null })
        {
            var outsider = KnowledgeSearch.Find(index, DefaultGlossary, "什么时候调薪", 3, c => c.Access.Allows("u2", departments));
            Assert.DoesNotContain(outsider.Hits, h => h.Chunk.Document == "pay.md");
            Assert.True(outsider.Refused);
        }
    }

    [Fact]
    public void The_glossary_names_bad_lines_and_matches_latin_words_whole()
    {
        var glossary = Glossary.Parse("# comment\n结婚, 领证 => 婚假\nsick, ill => 病假\n年假, 年休假\n", "g.txt");

        Assert.Contains(("领证", "婚假"), glossary.Expand("我刚领证"));
        Assert.Contains(("sick", "病假"), glossary.Expand("I am sick today"));
        Assert.Empty(glossary.Expand("a fillip"));
        Assert.Contains(("年假", "年休假"), glossary.Expand("年假怎么算"));
        var error = Assert.Throws<AdminFileException>(() => GlossaryFile.Parse("ok, fine => 好\n孤单\n", "g.txt"));
        Assert.Contains("g.txt line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_is_indexed_without_a_restart_and_an_unreadable_file_is_skipped_with_its_reason()
    {
        WriteDoc("a.md", "# 甲制度\n## 一、停车\n员工车辆停放在北区停车场。");
        File.WriteAllBytes(Path.Combine(_folder.FullName, "broken.docx"), [1, 2, 3, 4]);
        var logs = new CapturedLogs();
        var glossaryFile = Path.Combine(_folder.FullName, "..", $"glossary-{Guid.NewGuid():N}.txt");
        File.WriteAllText(glossaryFile, "车位 => 停车场\n");
        using var glossary = new HotReloadedFile<Glossary>(glossaryFile, GlossaryFile.Parse, NullLogger.Instance);
        using var knowledge = new KnowledgeBase(_folder.FullName, glossary, logs.CreateLogger("k"));
        Assert.Contains(logs.Lines, l => l.EventId == 1501 && l.Line.Contains("broken.docx", StringComparison.Ordinal));
        Assert.False(knowledge.Find("哪里有车位", 3, _ => true).Refused);

        var version = knowledge.Version;
        WriteDoc("b.md", "# 乙制度\n## 一、食堂\n食堂早餐供应时间为7:00至8:30。");
        File.WriteAllText(glossaryFile, "车位 => 停车场\n几点开饭 => 供应时间\n");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (knowledge.Version == version && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(knowledge.Version > version, "re-indexed within 5 s of the edit");
        await glossary.ReloadAsync();
        Assert.Equal("一、食堂", knowledge.Find("食堂几点开饭", 3, _ => true).Best?.Heading);
        File.Delete(glossaryFile);
    }

    private void WriteDoc(string name, string text) => File.WriteAllText(Path.Combine(_folder.FullName, name), text);
}
