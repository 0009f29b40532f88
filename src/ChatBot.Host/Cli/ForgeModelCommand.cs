using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ChatBot.Inference.Forge;
using ChatBot.Inference.Native;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>forge-model</c>: writes a synthetic Qwen2-architecture GGUF (random weights, the real tokenizer) for tests,
/// benchmarks, and as the embedded default where the real model cannot be downloaded.
/// </summary>
internal static class ForgeModelCommand
{
    public static Command Create()
    {
        Command command = new("forge-model", "Write a synthetic Qwen2-architecture GGUF: random weights, the real Qwen2 tokenizer (for tests, benchmarks and the demo).")
        {
            CliVerbs.Value("shape", "tiny (default) or qwen2.5-0.5b"),
            CliVerbs.Value("type", "f32, f16, q8_0 (tiny's default) or q4_k_m (qwen2.5-0.5b's default)"),
            CliVerbs.Value("out", "the file to write (models/synthetic-SHAPE-TYPE.gguf)"),
            CliVerbs.Flag("stop-immediately", "weights that make greedy decoding end at once (to test end of generation)"),
            CliVerbs.Value("native", "a custom llama.cpp build folder (default: the libraries LLamaSharp.Backend.Cpu restores)"),
            CliVerbs.Value("vocab", "the Qwen2 vocabulary GGUF (native/vocab/ggml-vocab-qwen2.gguf)"),
        };
        command.SetAction(result => Run(CliVerbs.Values(result)));
        return command;
    }

    public static int Run(Dictionary<string, string> options)
    {
        var shape = options.GetValueOrDefault("shape", "tiny");
        var spec = shape switch
        {
            "tiny" => SyntheticModelSpec.Tiny,
            "qwen2.5-0.5b" => SyntheticModelSpec.Qwen25_05B,
            _ => null,
        };
        if (spec is null)
        {
            Console.Error.WriteLine($"--shape must be tiny or qwen2.5-0.5b; got '{shape}'.");
            return 2;
        }

        if (options.ContainsKey("stop-immediately"))
        {
            spec = spec with { Name = spec.Name + "-eog", StopImmediately = true };
        }

        var type = options.GetValueOrDefault("type", shape == "tiny" ? "q8_0" : "q4_k_m");
        int? fileType = type switch { "f32" => 0, "f16" => 1, "q8_0" => 7, "q4_k_m" => 15, _ => null };
        if (fileType is null)
        {
            Console.Error.WriteLine($"--type must be f32, f16, q8_0 or q4_k_m; got '{type}'.");
            return 2;
        }

        var vocab = options.GetValueOrDefault("vocab") ?? SyntheticModelForge.LocateVocabulary();
        if (vocab is null)
        {
            Console.Error.WriteLine("No Qwen2 tokenizer found (native/vocab/ggml-vocab-qwen2.gguf); run scripts/native-libs (it needs curl and git) or pass --vocab FILE.");
            return 1;
        }

        var native = options.GetValueOrDefault("native");
        var output = options.GetValueOrDefault("out", $"models/synthetic-{spec.Name}-{type}.gguf");
        var started = Stopwatch.GetTimestamp();
        SyntheticModelForge.Write(native, vocab, output, spec, fileType.Value, Environment.ProcessorCount);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"forge-model: {output} ({new FileInfo(output).Length:N0} bytes, {spec.Name}, {type}) in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s"));
        return 0;
    }
}
