using ChatBot.Inference;

namespace ChatBot.Host.Cli.Doctor;

/// <summary>The model file: there, a GGUF of the expected architecture, its checksum, and memory enough for it.</summary>
internal static class ModelCheck
{
    public static Finding Run(InferenceOptions options)
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
