using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using ChatBot.Inference.Native;
using ChatBot.Tests.Shared;

namespace ChatBot.Tests.Inference;

/// <summary>
/// Compiles a C program against ggml's headers and compares every struct's size and every field's offset with the
/// layouts of the few functions we bind beside LLamaSharp (<see cref="GgmlNative"/>), so a version bump cannot corrupt
/// memory silently. The headers are those of the llama.cpp source scripts/native-libs unpacks (node-llama-cpp's
/// release), the nearest this machine has to the commit LLamaSharp ships (c0c7e147): these ggml structs are the same in both.
/// </summary>
public sealed class NativeLayoutTests
{
    private static readonly Type[] Structs =
    [
        typeof(GgmlNative.gguf_init_params), typeof(GgmlNative.ggml_init_params), typeof(GgmlNative.ggml_threadpool_params),
    ];

    private static readonly Lazy<Dictionary<string, long>> HeaderLayout = new(CompileAndRun);

    public static TheoryData<string> StructNames() => [.. Structs.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(StructNames))]
    public void Managed_layout_matches_the_header(string name)
    {
        var type = Structs.Single(s => s.Name == name);
        var header = HeaderLayout.Value;
        Assert.Equal(header[$"{name}"], Marshal.SizeOf(type));
        var fields = type.GetFields(BindingFlags.Public | BindingFlags.Instance);
        Assert.NotEmpty(fields);
        foreach (var field in fields)
        {
            Assert.True(header.ContainsKey($"{name}.{field.Name}"), $"{name}.{field.Name} is not a field of the C struct");
            Assert.Equal(header[$"{name}.{field.Name}"], (long)Marshal.OffsetOf(type, field.Name));
        }

        // Every C field is mapped: the C side lists as many fields as we declare.
        Assert.Equal(header.Keys.Count(k => k.StartsWith(name + ".", StringComparison.Ordinal)), fields.Length);
    }

    private static Dictionary<string, long> CompileAndRun()
    {
        var dir = Directory.CreateTempSubdirectory("chatbot-layout");
        try
        {
            return CompileAndRunIn(dir.FullName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static Dictionary<string, long> CompileAndRunIn(string folder)
    {
        var include = Path.GetFullPath(Path.Combine(TestModels.VocabPath, "..", "..", "include"));
        var source = Path.Combine(folder, "layout.c");
        var program = new System.Text.StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include \"llama.h\"\n#include \"gguf.h\"\nint main(void){\n");
        foreach (var type in Structs)
        {
            var cType = "struct " + type.Name;
            program.Append($"printf(\"{type.Name} %zu\\n\", sizeof({cType}));\n");
            foreach (var field in CFields(type))
            {
                program.Append($"printf(\"{type.Name}.{field} %zu\\n\", offsetof({cType}, {field}));\n");
            }
        }

        program.Append("return 0;}\n");
        File.WriteAllText(source, program.ToString());
        var binary = Path.Combine(folder, "layout");
        Run("cc", $"-I{include} -o {binary} {source}");
        return Run(binary, "").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(p => p[0], p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    // The C field list is the header's, not ours: parse it out of the struct definitions in llama.h/gguf.h/ggml.h.
    private static IEnumerable<string> CFields(Type type)
    {
        var include = Path.GetFullPath(Path.Combine(TestModels.VocabPath, "..", "..", "include"));
        var text = string.Join("\n", Directory.GetFiles(include, "*.h").Select(File.ReadAllText));
        var start = text.IndexOf("struct " + type.Name + " {", StringComparison.Ordinal);
        Assert.True(start >= 0, $"struct {type.Name} not found in the headers");
        var end = text.IndexOf("}", start, StringComparison.Ordinal);
        var body = text[(text.IndexOf('{', start) + 1)..end];
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.Split("//")[0].Trim();
            if (line.Length == 0 || !line.EndsWith(';'))
            {
                continue;
            }

            var declaration = line.TrimEnd(';').Trim();
            var name = declaration.Split([' ', '*'], StringSplitOptions.RemoveEmptyEntries)[^1];
            yield return name.Split('[')[0]; // an array field (cpumask[GGML_MAX_N_THREADS]) by its name
        }
    }

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} failed: {error}");
        return output;
    }
}
