using StreamRnn.Benchmarks.NativeLoading;
if (args.Length == 2 && args[0] == "--patch-native")
{
    System.Console.WriteLine(TorchSharpNativeLibrary.PatchFile(args[1]));
    return;
}
System.Console.WriteLine(TorchSharpNativeLibrary.EnsurePatched());
System.Console.WriteLine(TorchSharp.torch.get_num_threads());
