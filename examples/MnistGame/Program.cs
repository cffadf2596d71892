using System;
using MnistGame;
using PruneDsl.Training;
using static TorchSharp.torch;

manual_seed(1);
var model = new L1L2Mlp();
Console.WriteLine(model.Fc1Participation.Count);
var x = randn(4, 784);
var y = tensor(new long[] { 1, 2, 3, 4 });
var data = new LabeledData(x, y);
var result = new GameTrainer(model, new GameTrainingOptions { Epochs = 2, BatchSize = 2 }).Run(data, data);
Console.WriteLine($"{result.AccuracyAfterPruning} {result.Sparsity} {result.Certificate.MaxGain}");
