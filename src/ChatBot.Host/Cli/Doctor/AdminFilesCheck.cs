using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Quotas;
using ChatBot.Core.Screening;
using Microsoft.Extensions.Options;

namespace ChatBot.Host.Cli.Doctor;

/// <summary>The admin files (quotas, sensitive words, glossary, document access) exist where required and parse.</summary>
internal static class AdminFilesCheck
{
    public static IEnumerable<Finding> Run(IServiceProvider services)
    {
        var quotas = services.GetRequiredService<IOptions<QuotaOptions>>().Value.PolicyFile;
        var words = services.GetRequiredService<IOptions<ScreeningOptions>>().Value.WordListFile;
        var knowledge = services.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
        foreach (var (file, parse) in new (string, Action<string, string>)[]
        {
            (quotas, (text, source) => QuotaPolicy.Parse(text, source)),
            (words, (text, source) => SensitiveWordList.Parse(text, source)),
            (knowledge.SynonymsFile, (text, source) => Core.Knowledge.GlossaryFile.Parse(text, source)),
            (Path.Combine(knowledge.Folder, AccessFile.FileName), (text, source) => AccessFile.Parse(text, source)),
        })
        {
            if (!File.Exists(file))
            {
                yield return file.EndsWith(AccessFile.FileName, StringComparison.Ordinal)
                    ? new($"file {AccessFile.FileName}", Verdict.Pass, $"{file}: none (optional): no document is limited by it")
                    : new($"file {Path.GetFileName(file)}", Verdict.Fail, $"{file} does not exist", "copy it from config/ in the repository");
                continue;
            }

            Finding finding;
            try
            {
                parse(File.ReadAllText(file), file);
                finding = new($"file {Path.GetFileName(file)}", Verdict.Pass, $"{file} parses");
            }
            catch (AdminFileException ex)
            {
                finding = new($"file {Path.GetFileName(file)}", Verdict.Fail, ex.Message, "fix the line named; the bot keeps the last good version while running");
            }

            yield return finding;
        }
    }
}
