Function MPP_BACKTEST(Optional metric, Optional what)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_BACKTEST = XLPy.CallUDF("mpp_xl.udfs", "MPP_BACKTEST", Array(metric, what), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_BACKTEST = XLPy.CallUDF("mpp_xl.udfs", "MPP_BACKTEST", Array(metric, what))
        Exit Function
    #End If
failed:
    MPP_BACKTEST = Err.Description
End Function

Function MPP_BAND(Optional metric, Optional scenario, Optional percentiles, Optional paths, Optional seed, Optional assumptions, Optional variant, Optional window, Optional edition, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_BAND = XLPy.CallUDF("mpp_xl.udfs", "MPP_BAND", Array(metric, scenario, percentiles, paths, seed, assumptions, variant, window, edition, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_BAND = XLPy.CallUDF("mpp_xl.udfs", "MPP_BAND", Array(metric, scenario, percentiles, paths, seed, assumptions, variant, window, edition, measures))
        Exit Function
    #End If
failed:
    MPP_BAND = Err.Description
End Function

Function MPP_BUDGET(Optional scenario, Optional variant, Optional window, Optional assumptions, Optional edition, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_BUDGET = XLPy.CallUDF("mpp_xl.udfs", "MPP_BUDGET", Array(scenario, variant, window, assumptions, edition, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_BUDGET = XLPy.CallUDF("mpp_xl.udfs", "MPP_BUDGET", Array(scenario, variant, window, assumptions, edition, measures))
        Exit Function
    #End If
failed:
    MPP_BUDGET = Err.Description
End Function

Function MPP_COMPARE(Optional a, Optional b, Optional what, Optional assumptions, Optional scenario, Optional variant, Optional window, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_COMPARE = XLPy.CallUDF("mpp_xl.udfs", "MPP_COMPARE", Array(a, b, what, assumptions, scenario, variant, window, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_COMPARE = XLPy.CallUDF("mpp_xl.udfs", "MPP_COMPARE", Array(a, b, what, assumptions, scenario, variant, window, measures))
        Exit Function
    #End If
failed:
    MPP_COMPARE = Err.Description
End Function

Function MPP_PARAMS(Optional assumptions, Optional edition, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_PARAMS = XLPy.CallUDF("mpp_xl.udfs", "MPP_PARAMS", Array(assumptions, edition, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_PARAMS = XLPy.CallUDF("mpp_xl.udfs", "MPP_PARAMS", Array(assumptions, edition, measures))
        Exit Function
    #End If
failed:
    MPP_PARAMS = Err.Description
End Function

Function MPP_PENALTIES(Optional scenario, Optional variant, Optional assumptions, Optional window, Optional edition, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_PENALTIES = XLPy.CallUDF("mpp_xl.udfs", "MPP_PENALTIES", Array(scenario, variant, assumptions, window, edition, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_PENALTIES = XLPy.CallUDF("mpp_xl.udfs", "MPP_PENALTIES", Array(scenario, variant, assumptions, window, edition, measures))
        Exit Function
    #End If
failed:
    MPP_PENALTIES = Err.Description
End Function

Function MPP_PROJECTION(Optional metric, Optional scenario, Optional assumptions, Optional frequency, Optional edition, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_PROJECTION = XLPy.CallUDF("mpp_xl.udfs", "MPP_PROJECTION", Array(metric, scenario, assumptions, frequency, edition, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_PROJECTION = XLPy.CallUDF("mpp_xl.udfs", "MPP_PROJECTION", Array(metric, scenario, assumptions, frequency, edition, measures))
        Exit Function
    #End If
failed:
    MPP_PROJECTION = Err.Description
End Function

Function MPP_SUMMARY(Optional assumptions, Optional window, Optional edition, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_SUMMARY = XLPy.CallUDF("mpp_xl.udfs", "MPP_SUMMARY", Array(assumptions, window, edition, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_SUMMARY = XLPy.CallUDF("mpp_xl.udfs", "MPP_SUMMARY", Array(assumptions, window, edition, measures))
        Exit Function
    #End If
failed:
    MPP_SUMMARY = Err.Description
End Function

Function MPP_TORNADO(Optional target, Optional assumptions, Optional scenario, Optional window, Optional edition, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_TORNADO = XLPy.CallUDF("mpp_xl.udfs", "MPP_TORNADO", Array(target, assumptions, scenario, window, edition, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_TORNADO = XLPy.CallUDF("mpp_xl.udfs", "MPP_TORNADO", Array(target, assumptions, scenario, window, edition, measures))
        Exit Function
    #End If
failed:
    MPP_TORNADO = Err.Description
End Function

Function MPP_VERSION(Optional assumptions, Optional edition, Optional measures)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_VERSION = XLPy.CallUDF("mpp_xl.udfs", "MPP_VERSION", Array(assumptions, edition, measures), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_VERSION = XLPy.CallUDF("mpp_xl.udfs", "MPP_VERSION", Array(assumptions, edition, measures))
        Exit Function
    #End If
failed:
    MPP_VERSION = Err.Description
End Function

