using System.Diagnostics;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>
/// <c>dotnet publish -r RID</c> of the host brings llama.cpp for that platform from LLamaSharp.Backend.Cpu, and only
/// for it: the platforms the README's "Runs on" table names. Framework-dependent, as deploy/ runs it.
/// </summary>
public sealed class PublishTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatbot-publish");

    public void Dispose() => _folder.Delete(recursive: true);

    public static TheoryData<string, string, string> Platforms() => new()
    {
        // RID, libllama's file, the CPU variants LLamaSharp's loader picks from (x64: by AVX level)
        { "linux-x64", "libllama.so", "avx avx2 avx512 noavx" },
        { "linux-arm64", "libllama.so", "" },
        { "linux-musl-x64", "libllama.so", "avx avx2 avx512 noavx" },
        { "osx-arm64", "libllama.dylib", "" },
        { "win-x64", "llama.dll", "avx avx2 avx512 noavx" },
    };

    [Theory]
    [MemberData(nameof(Platforms))]
    public void Publishing_for_a_platform_brings_its_llama_cpp_and_no_other(string rid, string llama, string variants)
    {
        var output = Path.Combine(_folder.FullName, rid);
        var (code, log) = Run("dotnet", "publish", Path.Combine(RepoPaths.Root, "src", "ChatBot.Host"), "-c", "Release", "-r", rid,
            "--self-contained", "false", "-p:UseAppHost=false", "-o", output, "-nologo", "-v:q", "-clp:ErrorsOnly");
        Assert.True(code == 0, $"dotnet publish -r {rid} failed:\n{log}");

        var runtimes = Path.Combine(output, "runtimes");
        Assert.Equal([rid], Directory.GetDirectories(runtimes).Select(Path.GetFileName).Where(IsLlamaPlatform));
        var native = Path.Combine(runtimes, rid, "native");
        var folders = variants.Length == 0 ? [native] : variants.Split(' ').Select(v => Path.Combine(native, v)).ToArray();
        foreach (var folder in folders)
        {
            Assert.True(File.Exists(Path.Combine(folder, llama)), $"{rid}: no {llama} in {Path.GetRelativePath(output, folder)}");
            var ggmlBase = llama.Replace("llama", "ggml-base", StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder, ggmlBase)), $"{rid}: no {ggmlBase} in {Path.GetRelativePath(output, folder)}");
        }
    }

    // LLamaSharp's platforms; other runtimes/ folders (if any package brings them) are not its business.
    private static bool IsLlamaPlatform(string? name) =>
        name is "linux-x64" or "linux-arm64" or "linux-musl-x64" or "osx-x64" or "osx-arm64" or "win-x64" or "win-arm64";

    private static (int Code, string Log) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
