namespace ChatBot.Tests.Shared;

/// <summary>Finds the repository root (where ChatBot.sln is) from the test binaries.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Config(string file) => Path.Combine(Root, "config", file);

    /// <summary>The public HR policy sample (docs/ and questions.jsonl), kept in the repository as a fixture.</summary>
    public static string KnowledgeSample { get; } = Path.Combine(Root, "samples", "knowledge-sample");

    /// <summary>The public development set (another company's documents, 80 questions labelled by kind), kept as a fixture.</summary>
    public static string KnowledgeDevset { get; } = Path.Combine(Root, "samples", "knowledge-devset");

    /// <summary>CC-CEDICT as scripts/lexicon writes it (scripts/test runs set-up, which makes it).</summary>
    public static string Lexicon { get; } = Path.Combine(Root, "data", "cc-cedict.tsv.gz");

    /// <summary>The synonym groups scripts/lexicon writes beside it (Tongyici Cilin, via jieba.NET).</summary>
    public static string Thesaurus { get; } = Path.Combine(Root, "data", "cilin-synonyms.txt.gz");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ChatBot.sln not found above " + AppContext.BaseDirectory);
    }
}
