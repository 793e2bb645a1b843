Function MPP_PARAMS(Optional assumptions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_PARAMS = XLPy.CallUDF("mpp_xl.udfs", "MPP_PARAMS", Array(assumptions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_PARAMS = XLPy.CallUDF("mpp_xl.udfs", "MPP_PARAMS", Array(assumptions))
        Exit Function
    #End If
failed:
    MPP_PARAMS = Err.Description
End Function

Function MPP_PENALTIES(Optional scenario, Optional variant, Optional assumptions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_PENALTIES = XLPy.CallUDF("mpp_xl.udfs", "MPP_PENALTIES", Array(scenario, variant, assumptions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_PENALTIES = XLPy.CallUDF("mpp_xl.udfs", "MPP_PENALTIES", Array(scenario, variant, assumptions))
        Exit Function
    #End If
failed:
    MPP_PENALTIES = Err.Description
End Function

Function MPP_PROJECTION(Optional metric, Optional scenario, Optional assumptions, Optional frequency)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_PROJECTION = XLPy.CallUDF("mpp_xl.udfs", "MPP_PROJECTION", Array(metric, scenario, assumptions, frequency), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_PROJECTION = XLPy.CallUDF("mpp_xl.udfs", "MPP_PROJECTION", Array(metric, scenario, assumptions, frequency))
        Exit Function
    #End If
failed:
    MPP_PROJECTION = Err.Description
End Function

Function MPP_SUMMARY(Optional assumptions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_SUMMARY = XLPy.CallUDF("mpp_xl.udfs", "MPP_SUMMARY", Array(assumptions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_SUMMARY = XLPy.CallUDF("mpp_xl.udfs", "MPP_SUMMARY", Array(assumptions))
        Exit Function
    #End If
failed:
    MPP_SUMMARY = Err.Description
End Function

Function MPP_VERSION(Optional assumptions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        MPP_VERSION = XLPy.CallUDF("mpp_xl.udfs", "MPP_VERSION", Array(assumptions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        MPP_VERSION = XLPy.CallUDF("mpp_xl.udfs", "MPP_VERSION", Array(assumptions))
        Exit Function
    #End If
failed:
    MPP_VERSION = Err.Description
End Function

