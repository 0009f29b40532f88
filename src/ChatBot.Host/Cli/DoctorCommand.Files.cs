using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Quotas;
using ChatBot.Core.Screening;
using ChatBot.Inference;
using ChatBot.Inference.Native;
using Microsoft.Extensions.Options;

namespace ChatBot.Host.Cli;

/// <summary>The doctor's checks of files on this machine: the model and the admin files.</summary>
internal static partial class DoctorCommand
{
    /// <summary>Whether the kernel will put the weights on huge pages, as Inference:HugePages asks.</summary>
    private static Finding HugePages(InferenceOptions options)
    {
        if (!string.Equals(options.Provider, "Local", StringComparison.OrdinalIgnoreCase) || !options.HugePages)
        {
            return new("huge pages", Verdict.Skip, "Inference:HugePages is off or the model is not local: the weights are mapped from the file");
        }

        if (!OperatingSystem.IsLinux())
        {
            return new("huge pages", Verdict.Skip, "transparent huge pages are Linux-only: on this system the weights are mapped from the file");
        }

        var mode = HugePageWeights.SystemMode() ?? "unavailable";
        return HugePageWeights.Offered
            ? new("huge pages", Verdict.Pass, $"transparent huge pages '{mode}': the weights move onto them after start")
            : new("huge pages", Verdict.Warn, $"transparent huge pages are '{mode}' in this kernel: the weights stay on small pages, one chat generates about a tenth slower",
                "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (on the host, for containers)");
    }

    private static Finding Model(InferenceOptions options)
    {
        if (!string.Equals(options.Provider, "Local", StringComparison.OrdinalIgnoreCase))
        {
            return new("model", Verdict.Skip, $"Inference:Provider is {options.Provider}: no local model file");
        }

        if (!File.Exists(options.ModelPath))
        {
            return new("model", Verdict.Fail, $"Inference:ModelPath '{options.ModelPath}' does not exist", "put the Qwen2.5-0.5B-Instruct GGUF there (nothing is downloaded at run time)");
        }

        try
        {
            var header = GgufHeader.Read(options.ModelPath);
            var size = new FileInfo(options.ModelPath).Length;
            var available = AvailableMemory();
            // The weights are resident (read in, or mapped), and each sequence's KV cache comes on top: a rough but safe margin.
            var needed = size + (long)options.ParallelSequences * options.ContextSize * 12 * 1024;
            var synthetic = header.Name?.StartsWith("chatbot-synthetic", StringComparison.Ordinal) == true;
            var detail = $"GGUF v{header.Version}, {header.Architecture ?? "?"}, {header.Tensors} tensors, {size / 1_000_000} MB{(synthetic ? ", SYNTHETIC (random weights: answers are noise)" : "")}";
            if (header.Architecture != "qwen2")
            {
                return new("model", Verdict.Warn, detail, "the product is tuned for Qwen2.5-0.5B-Instruct (qwen2)");
            }

            if (available is { } free && free < needed)
            {
                return new("model", Verdict.Fail, $"{detail}; {free / 1_000_000} MB memory available, about {needed / 1_000_000} MB needed", "free memory or lower Inference:ParallelSequences / ContextSize");
            }

            if (options.ModelSha256.Length > 0)
            {
                using var file = File.OpenRead(options.ModelPath);
                var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
                if (!actual.Equals(options.ModelSha256.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    return new("model", Verdict.Fail, $"{detail}; SHA-256 {actual} is not Inference:ModelSha256 {options.ModelSha256}", "copy the model again (a truncated or different file)");
                }

                detail += ", SHA-256 matches Inference:ModelSha256";
            }

            return new("model", synthetic ? Verdict.Warn : Verdict.Pass, detail, synthetic ? "put the real model at Inference:ModelPath" : null);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or IOException)
        {
            return new("model", Verdict.Fail, $"Inference:ModelPath '{options.ModelPath}': {ex.Message}", "replace the file with an intact GGUF");
        }
    }

    private static IEnumerable<Finding> AdminFiles(IServiceProvider services)
    {
        var quotas = services.GetRequiredService<IOptions<QuotaOptions>>().Value.PolicyFile;
        var words = services.GetRequiredService<IOptions<ScreeningOptions>>().Value.WordListFile;
        var knowledge = services.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
        foreach (var (file, parse) in new (string, Action<string, string>)[]
        {
            (quotas, (text, source) => QuotaPolicy.Parse(text, source)),
            (words, (text, source) => SensitiveWordList.Parse(text, source)),
            (knowledge.SynonymsFile, (text, source) => Core.Knowledge.Search.Glossary.Parse(text, source)),
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

    private static long? AvailableMemory()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
