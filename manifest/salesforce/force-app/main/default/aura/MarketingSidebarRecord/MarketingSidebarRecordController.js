({
    // The record travels as a canvas parameter: the platform reads it from the signed request's
    // context.environment.parameters, where Salesforce's signature covers it.
    doInit: function (component) {
        component.set('v.canvasParameters', JSON.stringify({
            view: component.get('v.view'),
            recordId: component.get('v.recordId'),
            sObjectName: component.get('v.sObjectName')
        }));
    }
})
